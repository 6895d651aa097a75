import { describe, expect, it } from 'vitest';
import { eventually, parseSse, readSse } from '../helpers/sse.ts';
import { useHarness, type CreateHarness, type Harness } from './harness.ts';

interface Row {
  id: string;
  role: string;
  content: string;
  status: string;
  sequence: number;
  reply_to: string | null;
}

const rows = (app: Harness) =>
  app.query<Row>('select id, role, content, status, sequence, reply_to from messages order by conversation_id, sequence');

const unlocked = async (app: Harness) =>
  eventually(async () => {
    const locked = await app.query('select id from conversations where active_generation_id is not null');
    return locked.length === 0 ? true : undefined;
  }, 3000);

async function status(response: Response): Promise<number> {
  await response.body?.cancel();
  return response.status;
}

/** `message_id` on /api/chat and /api/chat/stream (API.md "Chat with history", RELIABILITY.md case 19). */
export function describeChatMessageId(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('message_id makes a retry safe', () => {
    it('gives the user message that id, and answers a retry of a complete turn with the same body without a model call', async () => {
      const app = await start();
      const messageId = crypto.randomUUID();
      const first = await app.post('/api/chat', { message: 'Hello', message_id: messageId });
      expect(first.status).toBe(200);
      const body = (await first.json()) as Record<string, unknown>;
      const retry = await app.post('/api/chat', { message: 'Hello', message_id: messageId });
      expect(retry.status).toBe(200);
      expect(await retry.json()).toEqual(body);
      expect(retry.headers.get('x-model')).toBe('ollama/llama3.2');
      expect(await app.ollama.hits('/api/chat')).toBe(1);
      const stored = await rows(app);
      expect(stored.map((row) => [row.id, row.role])).toEqual([
        [messageId, 'user'],
        [body['message_id'], 'assistant'],
      ]);
      expect(stored[1]?.reply_to).toBe(messageId);

      const streamed = await readSse(
        await app.post('/api/chat/stream', { message: 'Hello', message_id: messageId, conversation_id: body['conversation_id'] }),
      );
      expect(streamed.map((event) => event.data)).toEqual([
        { token: 'Hello, world!' },
        {
          done: true,
          conversation_id: body['conversation_id'],
          message_id: body['message_id'],
          model: 'ollama/llama3.2',
          finish_reason: 'stop',
          usage: body['usage'],
        },
      ]);
      expect(await app.ollama.hits('/api/chat')).toBe(1);
    });

    it('answers 409 while the first attempt still runs', async () => {
      const app = await start({ ollama: { tokenDelayMs: 150 } });
      const messageId = crypto.randomUUID();
      const running = await app.post('/api/chat/stream', { message: 'Hello', message_id: messageId });
      expect(running.status).toBe(200);
      const retry = await app.post('/api/chat', { message: 'Hello', message_id: messageId });
      expect(retry.status).toBe(409);
      expect(((await retry.json()) as { code: string }).code).toBe('CONFLICT');
      await running.text();
      expect(await app.ollama.hits('/api/chat')).toBe(1);
    });

    it('generates an answer that failed again in its place: still one user and one assistant message', async () => {
      const app = await start();
      const created = (await (await app.post('/api/chat', { message: 'Before' })).json()) as { conversation_id: string };
      const conversation = created.conversation_id;
      await app.ollama.setBehaviour({ fault: { kind: 'error-after-tokens', after: 1, message: 'crashed' } });
      const messageId = crypto.randomUUID();
      const failed = await app.post('/api/chat', { message: 'Again', message_id: messageId, conversation_id: conversation });
      expect(failed.status).toBe(502);
      await app.post('/api/chat', { message: 'After', conversation_id: conversation }).then(status);
      const failedRows = await rows(app);
      const answer = failedRows.find((row) => row.reply_to === messageId);
      expect(answer?.status).toBe('error');

      await app.ollama.setBehaviour({ fault: undefined, tokens: ['Fixed'] });
      const retried = await app.post('/api/chat', { message: 'Again', message_id: messageId, conversation_id: conversation });
      expect(retried.status).toBe(200);
      expect(((await retried.json()) as { message_id: string }).message_id).toBe(answer?.id);
      const after = await rows(app);
      expect(after.map((row) => row.id)).toEqual(failedRows.map((row) => row.id));
      expect(after.find((row) => row.id === answer?.id)).toMatchObject({
        status: 'complete',
        content: 'Fixed',
        sequence: answer?.sequence,
      });
      // The answer generated again saw the conversation as it was up to its user message.
      const calls = (await app.ollama.requests()).filter((request) => request.path === '/api/chat');
      const messages = (calls.at(-1)?.body as { messages: { content: string }[] }).messages.map((message) => message.content);
      expect(messages).toEqual(['Before', 'Hello, world!', 'Again']);
    });

    it('generates an aborted answer again in its place', async () => {
      const app = await start({ ollama: { tokens: ['a ', 'b ', 'c ', 'd '], tokenDelayMs: 100 } });
      const messageId = crypto.randomUUID();
      const controller = new AbortController();
      const response = await app.post(
        '/api/chat/stream',
        { message: 'Long', message_id: messageId },
        { signal: controller.signal },
      );
      const reader = response.body?.getReader();
      await reader?.read();
      controller.abort();
      await reader?.cancel().catch(() => undefined);
      const aborted = await eventually(
        async () => (await rows(app)).find((row) => row.role === 'assistant' && row.status === 'aborted'),
        3000,
      );
      await unlocked(app);
      await app.ollama.setBehaviour({ tokenDelayMs: 0 });
      const events = parseSse(await (await app.post('/api/chat/stream', { message: 'Long', message_id: messageId })).text());
      expect(events.at(-1)?.data).toMatchObject({ done: true, message_id: aborted.id });
      await unlocked(app);
      expect((await rows(app)).map((row) => [row.id, row.status, row.content])).toEqual([
        [messageId, 'complete', 'Long'],
        [aborted.id, 'complete', 'a b c d '],
      ]);
    });

    it('refuses a reused id with another text, another conversation or another owner (409), and a malformed one (400)', async () => {
      const app = await start();
      const messageId = crypto.randomUUID();
      const first = (await (await app.post('/api/chat', { message: 'Hello', message_id: messageId })).json()) as {
        conversation_id: string;
      };
      const other = (await (await app.post('/api/chat', { message: 'Other' })).json()) as { conversation_id: string };
      const now = new Date().toISOString();
      const foreignConversation = crypto.randomUUID();
      const foreignMessage = crypto.randomUUID();
      await app.query('insert into conversations (id, owner_id, created_at, updated_at) values (?, ?, ?, ?)', [
        foreignConversation,
        'someone-else',
        now,
        now,
      ]);
      await app.query(
        "insert into messages (id, conversation_id, sequence, role, content, status, created_at) values (?, ?, 1, 'user', 'Hello', 'complete', ?)",
        [foreignMessage, foreignConversation, now],
      );
      const calls = await app.ollama.hits('/api/chat');
      for (const body of [
        { message: 'Changed', message_id: messageId },
        { message: 'Hello', message_id: messageId, conversation_id: other.conversation_id },
        { message: 'Hello', message_id: messageId, images: ['data:image/png;base64,AAAA'] },
        { message: 'Hello', message_id: foreignMessage },
      ]) {
        const response = await app.post('/api/chat', body);
        expect(response.status, JSON.stringify(body)).toBe(409);
        expect(JSON.stringify(await response.json())).not.toContain(foreignConversation);
      }
      const malformed = await app.post('/api/chat', { message: 'Hello', message_id: 'retry-1' });
      expect(malformed.status).toBe(400);
      expect(await app.ollama.hits('/api/chat')).toBe(calls);
      expect((await rows(app)).filter((row) => row.role === 'user')).toHaveLength(3);
      expect(first.conversation_id).not.toBe(other.conversation_id);
    });

    it('stores one user and one assistant message for concurrent retries of one id, new conversation or not', async () => {
      const app = await start({ ollama: { tokenDelayMs: 20 } });
      const messageId = crypto.randomUUID();
      const statuses = await Promise.all(
        Array.from({ length: 6 }, () => app.post('/api/chat', { message: 'Same', message_id: messageId }).then(status)),
      );
      expect(statuses.filter((code) => code === 200).length).toBeGreaterThanOrEqual(1);
      expect(statuses.every((code) => code === 200 || code === 409)).toBe(true);
      await unlocked(app);
      const [conversation] = await app.query<{ id: string }>('select id from conversations');
      const second = crypto.randomUUID();
      const more = await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          app
            .post(index % 2 === 0 ? '/api/chat' : '/api/chat/stream', {
              message: 'Next',
              message_id: second,
              conversation_id: conversation?.id,
            })
            .then(status),
        ),
      );
      expect(more.every((code) => code === 200 || code === 409)).toBe(true);
      await unlocked(app);
      expect((await rows(app)).map((row) => [row.role, row.content, row.status])).toEqual([
        ['user', 'Same', 'complete'],
        ['assistant', 'Hello, world!', 'complete'],
        ['user', 'Next', 'complete'],
        ['assistant', 'Hello, world!', 'complete'],
      ]);
      expect(await app.query('select id from conversations')).toHaveLength(1);
      expect(await app.ollama.hits('/api/chat')).toBe(2);
    });
  });
}
