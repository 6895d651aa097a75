import { describe, expect, it } from 'vitest';
import { eventually, parseSse, readSse } from '../helpers/sse.ts';
import { useHarness, type CreateHarness, type Harness } from './harness.ts';

interface MessageRow {
  role: string;
  content: string;
  status: string;
  finish_reason: string | null;
}

const TWENTY = Array.from({ length: 20 }, (_, index) => `t${String(index)} `);
const FULL = TWENTY.join('');

/** Reads token events from a streamed response until `count` have arrived. */
async function readTokens(response: Response, count: number): Promise<string[]> {
  if (!response.body) throw new Error('no body');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const tokens: string[] = [];
  let buffer = '';
  while (tokens.length < count) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`stream ended after ${String(tokens.length)} tokens`);
    buffer += value;
    const end = buffer.lastIndexOf('\n\n');
    if (end === -1) continue;
    for (const event of parseSse(buffer.slice(0, end + 2))) {
      if (typeof event.data?.['token'] === 'string') tokens.push(event.data['token']);
    }
    buffer = buffer.slice(end + 2);
  }
  reader.releaseLock();
  return tokens;
}

/** Waits until the turn's assistant row exists, then checks it is the only one and the lock is free. */
async function settledAssistant(app: Harness, conversationId?: string): Promise<MessageRow> {
  const id = conversationId ?? (await app.query<{ id: string }>('select id from conversations'))[0]?.id ?? '';
  const rows = await eventually(async () => {
    const found = await app.query<MessageRow>('select * from messages where conversation_id = ? order by sequence', [id]);
    return found.some((row) => row.role === 'assistant') ? found : undefined;
  }, 2000);
  expect(rows.map((row) => row.role)).toEqual(['user', 'assistant']);
  const [conversation] = await app.query<{ active_generation_id: string | null }>(
    'select active_generation_id from conversations where id = ?',
    [id],
  );
  expect(conversation?.active_generation_id).toBeNull();
  // Nothing else is written later (a second terminal write would add or change a row).
  await new Promise((resolve) => setTimeout(resolve, 100));
  const again = await app.query<MessageRow>('select * from messages where conversation_id = ? order by sequence', [id]);
  expect(again).toEqual(rows);
  return rows[1] as MessageRow;
}

async function expectNextTurnWorks(app: Harness, conversationId: string): Promise<void> {
  await app.ollama.setBehaviour({ tokens: ['next'], tokenDelayMs: 0, firstTokenDelayMs: 0 });
  const response = await app.post('/api/chat', { message: 'next turn', conversation_id: conversationId });
  expect(response.status).toBe(200);
  expect(((await response.json()) as { response: string }).response).toBe('next');
}

export function describeChatAbort(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('client disconnects', () => {
    it('cancels the upstream and stores the partial answer as aborted when the client disconnects mid-stream', async () => {
      const app = await start({ ollama: { tokens: TWENTY, tokenDelayMs: 50 } });
      const controller = new AbortController();
      const response = await app.post('/api/chat/stream', { message: 'Long answer' }, { signal: controller.signal });
      expect(response.status).toBe(200);
      const conversationId = response.headers.get('x-conversation-id') ?? '';
      const seen = await readTokens(response, 2);
      expect(seen).toEqual(TWENTY.slice(0, 2));
      const abortedAt = Date.now();
      controller.abort();

      await app.ollama.waitForAbort(1, 1000);
      expect(Date.now() - abortedAt).toBeLessThan(1000);
      const assistant = await settledAssistant(app, conversationId);
      expect(assistant.status).toBe('aborted');
      expect(assistant.content.startsWith(seen.join(''))).toBe(true);
      expect(FULL.startsWith(assistant.content)).toBe(true);
      expect(assistant.content).not.toBe(FULL);
      expect(await app.ollama.hits('/api/chat')).toBe(1);
      await expectNextTurnWorks(app, conversationId);
    });

    it('cancels the upstream and stores an empty aborted answer when the client leaves before the first token', async () => {
      // The stream starts after KEEPALIVE_SECONDS without an answer: the client has its 200 and leaves.
      const app = await start({ env: { KEEPALIVE_SECONDS: '0.1' }, ollama: { tokens: ['never'], firstTokenDelayMs: 2000 } });
      const controller = new AbortController();
      const response = await app.post('/api/chat/stream', { message: 'Slow start' }, { signal: controller.signal });
      expect(response.status).toBe(200);
      const conversationId = response.headers.get('x-conversation-id') ?? '';
      await new Promise((resolve) => setTimeout(resolve, 200));
      controller.abort();

      await app.ollama.waitForAbort(1, 1000);
      const assistant = await settledAssistant(app, conversationId);
      expect(assistant).toMatchObject({ status: 'aborted', content: '' });
      await expectNextTurnWorks(app, conversationId);
    });

    it('cancels the upstream and stores an aborted answer when the client leaves before the model server answered', async () => {
      const app = await start({ ollama: { tokens: ['never'], headerDelayMs: 2000 } });
      const controller = new AbortController();
      const pending = app.post('/api/chat/stream', { message: 'No headers yet' }, { signal: controller.signal });
      await eventually(async () => ((await app.ollama.hits('/api/chat')) === 1 ? true : undefined));
      controller.abort();
      await expect(pending).rejects.toThrow();

      await app.ollama.waitForAbort(1, 1000);
      const assistant = await settledAssistant(app);
      expect(assistant).toMatchObject({ status: 'aborted', content: '' });
    });

    it('cancels the upstream and stores the partial answer as aborted when a /api/chat client disconnects', async () => {
      const app = await start({ ollama: { tokens: TWENTY, tokenDelayMs: 50 } });
      const controller = new AbortController();
      const pending = app.post('/api/chat', { message: 'Long answer' }, { signal: controller.signal });
      await eventually(async () => ((await app.ollama.hits('/api/chat')) === 1 ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 200));
      controller.abort();
      await expect(pending).rejects.toThrow();

      await app.ollama.waitForAbort(1, 1000);
      const assistant = await settledAssistant(app);
      expect(assistant.status).toBe('aborted');
      expect(FULL.startsWith(assistant.content)).toBe(true);
      expect(assistant.content).not.toBe(FULL);
      expect(await app.ollama.hits('/api/chat')).toBe(1);
    });
  });

  describe('concurrent streams', () => {
    it('completes 5 concurrent streams in different conversations, each with its own answer', async () => {
      const app = await start({ ollama: { tokens: ['a', 'b', 'c', 'd', 'e'], tokenDelayMs: 20 } });
      const results = await Promise.all(
        Array.from({ length: 5 }, async (_, index) => {
          const response = await app.post('/api/chat/stream', { message: `question ${String(index)}` });
          expect(response.status).toBe(200);
          return { index, conversationId: response.headers.get('x-conversation-id') ?? '', events: await readSse(response) };
        }),
      );
      expect(new Set(results.map((result) => result.conversationId)).size).toBe(5);
      for (const { index, conversationId, events } of results) {
        const tokens = events.flatMap((event) => (typeof event.data?.['token'] === 'string' ? [event.data['token']] : []));
        expect(tokens.join('')).toBe('abcde');
        expect(events.at(-1)?.data).toMatchObject({ done: true, conversation_id: conversationId, finish_reason: 'stop' });
        const rows = await app.query<MessageRow>('select * from messages where conversation_id = ? order by sequence', [
          conversationId,
        ]);
        expect(rows.map((row) => [row.role, row.content, row.status])).toEqual([
          ['user', `question ${String(index)}`, 'complete'],
          ['assistant', 'abcde', 'complete'],
        ]);
      }
      expect(await app.ollama.hits('/api/chat')).toBe(5);
      expect(await app.query('select id from conversations where active_generation_id is not null')).toHaveLength(0);
    });
  });
}
