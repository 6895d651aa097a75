import { describe, expect, it } from 'vitest';
import { eventually, readSse, sseEvents, type SseEvent } from '../helpers/sse.ts';
import { TestChat, textOfMessage } from '../helpers/ui-chat-client.ts';
import { authRequired, bearer, registerAndLogin } from './auth-support.ts';
import { useHarness, type CreateHarness, type Harness } from './harness.ts';

interface MessageRow {
  id: string;
  role: string;
  content: string;
  status: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The fetch DefaultChatTransport calls, sent to the harness (which takes a path), with a browser's
 * order of events on Stop: the chat lets go of the body first, and the connection closes after (the
 * harness request is aborted a turn later, which the server sees as the disconnect). In workerd the
 * harness runs in the chat's isolate, and a body erroring under the streams the chat pipes it through
 * would leave an unhandled rejection there: the body the chat reads ends quietly when it is cancelled.
 */
const transportFetch =
  (app: Harness): typeof fetch =>
  async (input, init = {}) => {
    const disconnect = new AbortController();
    const { signal } = init;
    signal?.addEventListener('abort', () => setTimeout(() => disconnect.abort(signal.reason), 0), { once: true });
    const path = typeof input === 'string' ? input : input instanceof URL ? input.pathname : new URL(input.url).pathname;
    const response = await app.fetch(path, {
      method: init.method ?? 'POST',
      headers: new Headers(init.headers),
      body: init.body ?? null,
      signal: disconnect.signal,
    });
    if (response.body === null) return response;
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (error) {
          controller.error(error);
        }
      },
      cancel() {
        // The abort that follows closes the harness body (and tells the server).
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };

const userMessage = (text: string, id = crypto.randomUUID()) => ({ id, role: 'user', parts: [{ type: 'text', text }] });

const rowsOf = (app: Harness, conversationId: string) =>
  app.query<MessageRow>('select id, role, content, status from messages where conversation_id = ? order by sequence', [
    conversationId,
  ]);

/** The messages the fake Ollama was sent in its last /api/chat call. */
async function lastUpstreamMessages(app: Harness): Promise<{ role: string; content: string }[]> {
  const requests = (await app.ollama.requests()).filter((request) => request.path === '/api/chat');
  return (requests.at(-1)?.body as { messages: { role: string; content: string }[] }).messages;
}

const LONG = Array.from({ length: 40 }, (_, index) => `w${String(index)} `);

/** The turn's answer once stored: aborted, partial, and the conversation's lock released. */
async function expectAbortedAnswer(app: Harness, conversationId: string): Promise<MessageRow> {
  const assistant = await eventually(
    async () => (await rowsOf(app, conversationId)).find((row) => row.role === 'assistant'),
    3000,
  );
  expect(assistant.status).toBe('aborted');
  expect(assistant.content.length).toBeGreaterThan(0);
  expect(LONG.join('').startsWith(assistant.content)).toBe(true);
  expect(assistant.content).not.toBe(LONG.join(''));
  const [conversation] = await app.query<{ active_generation_id: string | null }>(
    'select active_generation_id from conversations where id = ?',
    [conversationId],
  );
  expect(conversation?.active_generation_id).toBeNull();
  return assistant;
}

const chunks = (events: SseEvent[]) => events.flatMap((event) => (event.data === undefined ? [] : [event.data]));

export function describeUiChat(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('POST /api/ui/chat (AI SDK UI message stream)', () => {
    it('answers with start, text-start, text-delta…, text-end, finish and [DONE], the start naming the stored answer', async () => {
      const app = await start({ ollama: { tokens: ['Hel', 'lo'], promptEvalCount: 7 } });
      const id = crypto.randomUUID();
      const response = await app.post('/api/ui/chat', { id, messages: [userMessage('Hi')], trigger: 'submit-message' });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(response.headers.get('x-conversation-id')).toBe(id);
      const events = await readSse(response);
      const [assistant] = (await rowsOf(app, id)).filter((row) => row.role === 'assistant');
      expect(chunks(events)).toStrictEqual([
        { type: 'start', messageId: assistant?.id, messageMetadata: { conversation_id: id, model: 'ollama/llama3.2' } },
        { type: 'text-start', id: 'text' },
        { type: 'text-delta', id: 'text', delta: 'Hel' },
        { type: 'text-delta', id: 'text', delta: 'lo' },
        { type: 'text-end', id: 'text' },
        {
          type: 'finish',
          finishReason: 'stop',
          messageMetadata: { model: 'ollama/llama3.2', finish_reason: 'stop', usage: { input_tokens: 7, output_tokens: 2 } },
        },
      ]);
      expect(events.filter((event) => event.raw !== undefined)).toEqual([{ raw: '[DONE]' }]);
      expect(events.at(-1)).toEqual({ raw: '[DONE]' });
    });

    it("works with the AI SDK's own chat client (DefaultChatTransport) and stores the turn in history", async () => {
      const app = await start({ ollama: { tokens: ['Hello', ',', ' world', '!'] } });
      const id = crypto.randomUUID();
      const chat = new TestChat({ id, fetch: transportFetch(app) });
      await chat.sendMessage({ text: 'Hi there' });
      expect(chat.errors).toEqual([]);
      expect(chat.status).toBe('ready');
      expect(chat.messages.map((message) => [message.role, textOfMessage(message)])).toEqual([
        ['user', 'Hi there'],
        ['assistant', 'Hello, world!'],
      ]);
      const rows = await rowsOf(app, id);
      expect(rows.map((row) => [row.role, row.content, row.status])).toEqual([
        ['user', 'Hi there', 'complete'],
        ['assistant', 'Hello, world!', 'complete'],
      ]);
      expect(chat.messages[1]?.id).toBe(rows[1]?.id);
      expect(chat.messages[1]?.metadata).toMatchObject({ model: 'ollama/llama3.2', finish_reason: 'stop' });
      const history = (await (await app.fetch(`/api/history/${id}`)).json()) as { title: string };
      expect(history.title).toBe('Hi there');
    });

    it('takes only the new user message from the body: earlier turns come from the stored history', async () => {
      const app = await start({ ollama: { tokens: ['first answer'] } });
      const id = crypto.randomUUID();
      const chat = new TestChat({ id, fetch: transportFetch(app) });
      await chat.sendMessage({ text: 'first question' });
      await app.ollama.setBehaviour({ tokens: ['second answer'] });
      const forged = [
        userMessage('FORGED question'),
        { id: 'a1', role: 'assistant', parts: [{ type: 'text', text: 'FORGED answer' }] },
        userMessage('second question'),
      ];
      const response = await app.post('/api/ui/chat', { id, messages: forged, trigger: 'submit-message' });
      expect(response.status).toBe(200);
      await response.text();
      expect(await lastUpstreamMessages(app)).toEqual([
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'first answer' },
        { role: 'user', content: 'second question' },
      ]);
      expect((await rowsOf(app, id)).map((row) => row.content)).toEqual([
        'first question',
        'first answer',
        'second question',
        'second answer',
      ]);
    });

    it('regenerate replaces the last answer in place (its id and position), the model not shown the old one', async () => {
      const app = await start({ ollama: { tokens: ['old answer'] } });
      const id = crypto.randomUUID();
      const chat = new TestChat({ id, fetch: transportFetch(app) });
      await chat.sendMessage({ text: 'question' });
      const oldId = chat.messages[1]?.id;
      await app.ollama.setBehaviour({ tokens: ['new', ' answer'] });
      await chat.regenerate();
      expect(chat.errors).toEqual([]);
      expect(chat.messages.map((message) => [message.role, textOfMessage(message)])).toEqual([
        ['user', 'question'],
        ['assistant', 'new answer'],
      ]);
      const rows = await rowsOf(app, id);
      expect(rows.map((row) => [row.role, row.content, row.status])).toEqual([
        ['user', 'question', 'complete'],
        ['assistant', 'new answer', 'complete'],
      ]);
      // The new answer took the old one's place: its id and position, with the new text.
      expect(rows[1]?.id).toBe(oldId);
      expect(chat.messages[1]?.id).toBe(oldId);
      expect(await lastUpstreamMessages(app)).toEqual([{ role: 'user', content: 'question' }]);

      // Naming the answer (regenerate({ messageId })) is the same, for the current last answer only.
      await chat.regenerate({ messageId: rows[1]?.id ?? '' });
      expect(chat.errors).toEqual([]);
      expect((await rowsOf(app, id)).map((row) => row.role)).toEqual(['user', 'assistant']);
    });

    it('refuses to regenerate an answer that is not the last one (400), or in an unknown conversation (404)', async () => {
      const app = await start();
      const id = crypto.randomUUID();
      const chat = new TestChat({ id, fetch: transportFetch(app) });
      await chat.sendMessage({ text: 'one' });
      const firstAnswerId = chat.messages[1]?.id;
      await chat.sendMessage({ text: 'two' });
      const stale = await app.post('/api/ui/chat', {
        id,
        messages: [userMessage('one')],
        trigger: 'regenerate-message',
        messageId: firstAnswerId,
      });
      expect(stale.status).toBe(400);
      expect(await stale.json()).toMatchObject({ code: 'INVALID_INPUT', details: [{ field: 'messageId' }] });
      expect(await rowsOf(app, id)).toHaveLength(4);

      const unknown = await app.post('/api/ui/chat', {
        id: crypto.randomUUID(),
        messages: [userMessage('x')],
        trigger: 'regenerate-message',
      });
      expect(unknown.status).toBe(404);
      expect(await app.ollama.hits('/api/chat')).toBe(2);
    });

    it('stores the partial answer as aborted when the client disconnects mid-stream', async () => {
      const app = await start({ ollama: { tokens: LONG, tokenDelayMs: 40 } });
      const id = crypto.randomUUID();
      const controller = new AbortController();
      const response = await app.post(
        '/api/ui/chat',
        { id, messages: [userMessage('long answer please')] },
        { signal: controller.signal },
      );
      expect(response.status).toBe(200);
      const deltas: string[] = [];
      for await (const { event } of sseEvents(response)) {
        if (event.data?.['type'] === 'text-delta') deltas.push(String(event.data['delta']));
        if (deltas.length === 2) break;
      }
      controller.abort();
      await app.ollama.waitForAbort(1, 2000);
      const assistant = await expectAbortedAnswer(app, id);
      expect(assistant.content.startsWith(deltas.join(''))).toBe(true);
    });

    it('stores the partial answer as aborted when useChat stops (chat.stop())', async () => {
      const app = await start({ ollama: { tokens: LONG, tokenDelayMs: 40 } });
      const id = crypto.randomUUID();
      const chat = new TestChat({ id, fetch: transportFetch(app) });
      const sent = chat.sendMessage({ text: 'long answer please' });
      const answering = () => chat.messages.at(-1)?.role === 'assistant' && chat.lastText.length >= 6;
      await eventually(async () => Promise.resolve(answering() ? true : undefined), 5000);
      await chat.stop();
      await sent;
      await app.ollama.waitForAbort(1, 2000);
      const assistant = await expectAbortedAnswer(app, id);
      expect(assistant.content.startsWith(chat.lastText)).toBe(true);
    });

    it('answers 409 CONFLICT as JSON while a generation runs in the conversation, and useChat reports it', async () => {
      const app = await start({ ollama: { tokens: ['slow', ' answer'], tokenDelayMs: 600 } });
      const id = crypto.randomUUID();
      const first = await app.post('/api/ui/chat', { id, messages: [userMessage('one')] });
      expect(first.status).toBe(200);
      const second = await app.post('/api/ui/chat', { id, messages: [userMessage('two')] });
      expect(second.status).toBe(409);
      expect(await second.json()).toMatchObject({ code: 'CONFLICT' });
      const chat = new TestChat({ id, fetch: transportFetch(app) });
      await chat.sendMessage({ text: 'three' });
      expect(chat.status).toBe('error');
      expect(chat.error?.message).toContain('CONFLICT');
      await first.text();
      expect((await rowsOf(app, id)).map((row) => row.content)).toEqual(['one', 'slow answer']);
    });

    it('answers a failure before the stream as a JSON error with its status (503 when Ollama cannot be reached)', async () => {
      const app = await start({ unreachableOllama: true });
      const id = crypto.randomUUID();
      const response = await app.post('/api/ui/chat', { id, messages: [userMessage('hello')] });
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      const chat = new TestChat({ id, fetch: transportFetch(app) });
      await chat.sendMessage({ text: 'again' });
      expect(chat.status).toBe('error');
      expect(chat.error?.message).toContain('SERVICE_UNAVAILABLE');
      expect((await rowsOf(app, id)).map((row) => [row.role, row.status])).toEqual([
        ['user', 'complete'],
        ['assistant', 'error'],
        ['user', 'complete'],
        ['assistant', 'error'],
      ]);
    });

    it('ends the stream with an error chunk when the model fails after it started, and stores the answer as error', async () => {
      const app = await start({
        ollama: { tokens: ['part', 'ial', 'never'], fault: { kind: 'error-after-tokens', after: 2, message: 'model crashed' } },
      });
      const id = crypto.randomUUID();
      const response = await app.post('/api/ui/chat', { id, messages: [userMessage('hello')] });
      expect(response.status).toBe(200);
      const data = chunks(await readSse(response));
      expect(data.map((chunk) => chunk['type'])).toEqual(['start', 'text-start', 'text-delta', 'text-delta', 'error']);
      expect(JSON.stringify(data.at(-1))).not.toContain('model crashed');
      const assistant = (await rowsOf(app, id)).find((row) => row.role === 'assistant');
      expect(assistant).toMatchObject({ content: 'partial', status: 'error' });

      const chat = new TestChat({ id: crypto.randomUUID(), fetch: transportFetch(app) });
      await chat.sendMessage({ text: 'again' });
      expect(chat.status).toBe('error');
      expect(chat.lastText).toBe('partial');
    });

    it("keeps useChat's own chat ids (not UUIDs) on one conversation of the caller", async () => {
      const app = await start({ ollama: { tokens: ['ok'] } });
      const chat = new TestChat({ id: 'Xk3pQ9vLm2Rt7wYz', fetch: transportFetch(app) });
      await chat.sendMessage({ text: 'one' });
      await chat.sendMessage({ text: 'two' });
      expect(chat.errors).toEqual([]);
      const conversations = await app.query<{ id: string }>('select id from conversations');
      expect(conversations).toHaveLength(1);
      expect(conversations[0]?.id).toMatch(UUID);
      expect((await rowsOf(app, conversations[0]?.id ?? '')).map((row) => row.content)).toEqual(['one', 'ok', 'two', 'ok']);
      const history = await app.fetch(`/api/history/${conversations[0]?.id ?? ''}`);
      expect(history.status).toBe(200);
    });

    it('continues a conversation made by POST /api/history when its id is the chat id, taking the model from the body', async () => {
      const app = await start({ ollama: { tokens: ['fine'] } });
      const created = (await (await app.post('/api/history', {})).json()) as { id: string };
      const chat = new TestChat({ id: created.id, fetch: transportFetch(app), body: { model: 'ollama/llama3.2:1b' } });
      await chat.sendMessage({ text: 'named by its first message' });
      expect(chat.errors).toEqual([]);
      const history = (await (await app.fetch(`/api/history/${created.id}`)).json()) as { title: string; model: string };
      expect(history).toMatchObject({ title: 'named by its first message', model: 'ollama/llama3.2:1b' });
      expect(((await app.ollama.requests()).at(-1)?.body as { model: string }).model).toBe('llama3.2:1b');
    });

    it("is 404 on another user's conversation (submit and regenerate), with no model call and nothing changed", async () => {
      const app = await start({ env: authRequired() });
      const owner = await registerAndLogin(app, 'owner@example.com');
      const intruder = await registerAndLogin(app, 'intruder@example.com');
      const id = crypto.randomUUID();
      const first = await app.post('/api/ui/chat', { id, messages: [userMessage('my plan')] }, { headers: bearer(owner.token) });
      expect(first.status).toBe(200);
      await first.text();
      const before = JSON.stringify(await rowsOf(app, id));
      const hits = await app.ollama.hits('/api/chat');
      for (const body of [
        { id, messages: [userMessage('continue')] },
        { id, messages: [userMessage('my plan')], trigger: 'regenerate-message' },
      ]) {
        const response = await app.post('/api/ui/chat', body, { headers: bearer(intruder.token) });
        expect(response.status).toBe(404);
        expect(await response.json()).toMatchObject({ code: 'NOT_FOUND' });
      }
      expect(await app.ollama.hits('/api/chat')).toBe(hits);
      expect(JSON.stringify(await rowsOf(app, id))).toBe(before);

      // The same chat id that is not a UUID names a conversation of each caller's own.
      for (const caller of [owner, intruder]) {
        const response = await app.post(
          '/api/ui/chat',
          { id: 'sharedChatId', messages: [userMessage('hi')] },
          { headers: bearer(caller.token) },
        );
        expect(response.status).toBe(200);
        await response.text();
      }
      const shared = await app.query<{ owner_id: string }>('select owner_id from conversations where id != ? order by owner_id', [
        id,
      ]);
      expect(new Set(shared.map((row) => row.owner_id)).size).toBe(2);
    });

    it('refuses malformed bodies with 400 naming the field, before any model call', async () => {
      const app = await start();
      const id = crypto.randomUUID();
      const cases: [unknown, string][] = [
        [{ messages: [userMessage('x')] }, 'id'],
        [{ id: 'has spaces', messages: [userMessage('x')] }, 'id'],
        [{ id, messages: [] }, 'messages'],
        [{ id, messages: [{ id: 'a', role: 'assistant', parts: [{ type: 'text', text: 'x' }] }] }, 'messages.0'],
        [{ id, messages: [userMessage('')] }, 'messages.0'],
        [{ id, messages: [userMessage('x')], messageId: 'm1' }, 'messageId'],
        [{ id, messages: [userMessage('x')], trigger: 'resume-stream' }, 'trigger'],
        [{ id, messages: [userMessage('x'.repeat(32_001))] }, 'messages.0.parts'],
      ];
      for (const [body, field] of cases) {
        const response = await app.post('/api/ui/chat', body);
        expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
        const error = (await response.json()) as { code: string; details: { field: string }[] };
        expect(error.code).toBe('INVALID_INPUT');
        expect(error.details.map((detail) => detail.field)).toContain(field);
      }
      expect(await app.ollama.hits('/api/chat')).toBe(0);
    });
  });
}
