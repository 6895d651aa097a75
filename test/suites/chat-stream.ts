import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeHex, readSse, sseEvents, type SseEvent } from '../helpers/sse.ts';
import { useHarness, type CreateHarness, type Harness } from './harness.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface HistoryBody {
  id: string;
  messages: { id: string; role: string; content: string; status: string; model?: string }[];
}

const tokensOf = (events: SseEvent[]) =>
  events.flatMap((event) => (event.data !== undefined && 'token' in event.data ? [event.data['token'] as string] : []));

/**
 * Stored message contents, read as hex: the libSQL driver cuts TEXT at the first NUL when reading,
 * so a plain `select content` could not show a byte-exact round trip.
 */
async function storedMessages(app: Harness, conversationId: string) {
  const rows = await app.query<{ role: string; hex: string }>(
    'select role, hex(content) as hex from messages where conversation_id = ? order by sequence',
    [conversationId],
  );
  return rows.map((row) => ({ role: row.role, content: decodeHex(row.hex) }));
}

async function streamChat(app: Harness, body: Record<string, unknown>) {
  const response = await app.post('/api/chat/stream', body);
  expect(response.status).toBe(200);
  const conversationId = response.headers.get('x-conversation-id') ?? '';
  const events = await readSse(response);
  return { response, conversationId, events };
}

export function describeChatStream(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('POST /api/chat/stream', () => {
    // The raw Connection header (no duplicate, same as other responses) is checked on Node in
    // test/node/chat-stream-headers.test.ts: only a socket-level client can see it.
    it('sends the SSE headers, the conversation id and the request id, and no Connection header of its own', async () => {
      const app = await start();
      const response = await app.post(
        '/api/chat/stream',
        { message: 'Hi' },
        { headers: { 'content-type': 'application/json', 'x-request-id': 'stream-test-1' } },
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream(;|$)/);
      expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
      expect(response.headers.get('x-accel-buffering')).toBe('no');
      expect(response.headers.get('x-request-id')).toBe('stream-test-1');
      const conversationId = response.headers.get('x-conversation-id');
      expect(conversationId).toMatch(UUID);
      const [row] = await app.query<{ id: string }>('select id from conversations');
      expect(row?.id).toBe(conversationId);
      await response.text();
      const health = await app.fetch('/health');
      expect(response.headers.get('connection')).toBe(health.headers.get('connection'));
    });

    it('sends the tokens in order as token events and ends with the done event', async () => {
      const tokens = ['The', ' quick', ' brown', ' fox'];
      const app = await start({ ollama: { tokens, promptEvalCount: 12 } });
      const { conversationId, events } = await streamChat(app, { message: 'Tell me' });
      expect(tokensOf(events)).toEqual(tokens);
      const dataEvents = events.filter((event) => event.data !== undefined);
      expect(dataEvents.slice(0, tokens.length).every((event) => Object.keys(event.data ?? {}).join() === 'token')).toBe(true);
      expect(dataEvents).toHaveLength(tokens.length + 1);

      const [assistant] = await app.query<{ id: string }>("select id from messages where role = 'assistant'");
      expect(dataEvents.at(-1)?.data).toStrictEqual({
        done: true,
        conversation_id: conversationId,
        message_id: assistant?.id,
        model: 'ollama/llama3.2',
        finish_reason: 'stop',
        usage: { input_tokens: 12, output_tokens: 4 },
      });
    });

    it('delivers each token as soon as the model sends it', async () => {
      const app = await start({ ollama: { tokens: ['one', ' two', ' three', ' four', ' five'], tokenDelayMs: 120 } });
      const startedAt = Date.now();
      const response = await app.post('/api/chat/stream', { message: 'Count' });
      const arrivals: { token?: string; done?: boolean; at: number }[] = [];
      for await (const { event, at } of sseEvents(response)) {
        if (event.data?.['token'] !== undefined) arrivals.push({ token: event.data['token'] as string, at });
        if (event.data?.['done'] === true) arrivals.push({ done: true, at });
      }
      expect(arrivals.map((arrival) => arrival.token ?? 'DONE')).toEqual(['one', ' two', ' three', ' four', ' five', 'DONE']);
      const firstAt = arrivals[0]?.at ?? Infinity;
      const doneAt = arrivals.at(-1)?.at ?? 0;
      // The model needs 4 × 120 ms after its first token; the first token must not wait for the rest.
      expect(firstAt - startedAt).toBeLessThan(300);
      expect(doneAt - firstAt).toBeGreaterThanOrEqual(350);
      // Tokens arrive spread out, not in one burst at the end.
      expect((arrivals[2]?.at ?? 0) - firstAt).toBeGreaterThanOrEqual(180);
    });

    it('sends `: keep-alive` comments while the model is slow to start', async () => {
      const app = await start({ env: { KEEPALIVE_SECONDS: '0.1' }, ollama: { tokens: ['late'], firstTokenDelayMs: 350 } });
      const { events } = await streamChat(app, { message: 'Hi' });
      const firstToken = events.findIndex((event) => event.data?.['token'] !== undefined);
      expect(firstToken).toBeGreaterThan(0);
      const before = events.slice(0, firstToken);
      expect(before.length).toBeGreaterThanOrEqual(2);
      expect(before.every((event) => event.comment === 'keep-alive')).toBe(true);
      expect(tokensOf(events)).toEqual(['late']);
      expect(events.at(-1)?.data?.['done']).toBe(true);
    });

    it('has stored the assistant message by the time the done event is read', async () => {
      const app = await start({ ollama: { tokens: ['saved', ' first'] } });
      const response = await app.post('/api/chat/stream', { message: 'Persist' });
      const conversationId = response.headers.get('x-conversation-id') ?? '';
      let done: SseEvent | undefined;
      for await (const { event } of sseEvents(response)) {
        if (event.data?.['done'] === true) {
          done = event;
          break;
        }
      }
      expect(done).toBeDefined();
      const history = (await (await app.fetch(`/api/history/${conversationId}`)).json()) as HistoryBody;
      expect(history.messages.map((message) => [message.role, message.content, message.status])).toEqual([
        ['user', 'Persist', 'complete'],
        ['assistant', 'saved first', 'complete'],
      ]);
      expect(history.messages[1]?.id).toBe(done?.data?.['message_id']);
    });

    it('round-trips newlines, control characters and Unicode byte-exact through SSE, the database and history', async () => {
      const tokens = [
        'line1\nline2',
        '\r\n',
        'emoji 🎉',
        '中文',
        '\u0000',
        'quote " backslash \\',
        '\n\ndata: fake\n\n',
        ' \u2028\t',
      ];
      const app = await start({ ollama: { tokens } });
      const { conversationId, events } = await streamChat(app, { message: 'échо\r\n🎉\u0000' });
      expect(tokensOf(events)).toEqual(tokens);
      expect(events.at(-1)?.data?.['done']).toBe(true);
      const expected = tokens.join('');
      expect(await storedMessages(app, conversationId)).toEqual([
        { role: 'user', content: 'échо\r\n🎉\u0000' },
        { role: 'assistant', content: expected },
      ]);
      const history = (await (await app.fetch(`/api/history/${conversationId}`)).json()) as HistoryBody;
      expect(history.messages.map((message) => message.content)).toEqual(['échо\r\n🎉\u0000', expected]);
    });

    it('round-trips any Unicode token sequence exactly (property)', async () => {
      const app = await start();
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 6 }),
          async (tokens) => {
            await app.ollama.setBehaviour({ tokens });
            const { conversationId, events } = await streamChat(app, { message: 'go' });
            const expected = tokens.join('');
            expect(tokensOf(events).join('')).toBe(expected);
            expect(events.at(-1)?.data?.['done']).toBe(true);
            expect(await storedMessages(app, conversationId)).toEqual([
              { role: 'user', content: 'go' },
              { role: 'assistant', content: expected },
            ]);
            const history = (await (await app.fetch(`/api/history/${conversationId}`)).json()) as HistoryBody;
            expect(history.messages[1]?.content).toBe(expected);
          },
        ),
        { numRuns: 30 },
      );
    });
  });
}
