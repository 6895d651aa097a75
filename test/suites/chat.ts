import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/sse.ts';
import { useHarness, type CreateHarness, type Harness } from './harness.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

interface ChatBody {
  conversation_id: string;
  message_id: string;
  response: string;
  model: string;
  finish_reason: string | null;
  usage: { input_tokens: number | null; output_tokens: number | null };
  timestamp: string;
}

interface ErrorBody {
  error: string;
  code: string;
  request_id: string | null;
  details: { field: string; message: string }[];
}

interface MessageRow {
  id: string;
  role: string;
  content: string;
  status: string;
  model: string | null;
  finish_reason: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  latency_ms: number | null;
  time_to_first_token_ms: number | null;
}

interface OllamaChatBody {
  model: string;
  messages: { role: string; content: string }[];
  options?: Record<string, unknown>;
}

async function chat(app: Harness, body: Record<string, unknown>): Promise<ChatBody> {
  const response = await app.post('/api/chat', body);
  expect(response.status).toBe(200);
  return (await response.json()) as ChatBody;
}

/** The body of the n-th /api/chat call the fake Ollama received (0-based). */
async function upstreamCall(app: Harness, index: number): Promise<OllamaChatBody> {
  const calls = (await app.ollama.requests()).filter((request) => request.path === '/api/chat');
  const call = calls[index];
  if (!call) throw new Error(`no upstream call #${String(index)}`);
  return call.body as OllamaChatBody;
}

const messagesOf = (app: Harness, conversationId: string) =>
  app.query<MessageRow>('select * from messages where conversation_id = ? order by sequence', [conversationId]);

export function describeChat(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('POST /api/chat', () => {
    it('answers with the documented shape and the usage the model server reported', async () => {
      const app = await start({ ollama: { tokens: ['Hi', ' there', '!'], promptEvalCount: 17 } });
      const response = await app.post('/api/chat', { message: 'Hello' });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('x-request-id')).toBeTruthy();
      const body = (await response.json()) as ChatBody;
      expect(Object.keys(body).sort()).toEqual(
        ['conversation_id', 'message_id', 'response', 'model', 'finish_reason', 'usage', 'timestamp'].sort(),
      );
      expect(body).toEqual({
        conversation_id: expect.stringMatching(UUID),
        message_id: expect.stringMatching(UUID),
        response: 'Hi there!',
        model: 'ollama/llama3.2',
        finish_reason: 'stop',
        usage: { input_tokens: 17, output_tokens: 3 },
        timestamp: expect.stringMatching(ISO_UTC),
      });
      expect(Math.abs(Date.parse(body.timestamp) - Date.now())).toBeLessThan(60_000);
      expect(await app.ollama.hits('/api/chat')).toBe(1);
      expect((await upstreamCall(app, 0)).model).toBe('llama3.2');
    });

    it('stores the conversation, the user message and then the completed assistant message', async () => {
      const app = await start({ ollama: { tokens: ['Stored', ' answer'], promptEvalCount: 9 } });
      const body = await chat(app, { message: 'Remember this' });

      const conversations = await app.query<{ id: string; title: string; model: string; active_generation_id: string | null }>(
        'select * from conversations',
      );
      expect(conversations).toHaveLength(1);
      expect(conversations[0]).toMatchObject({ id: body.conversation_id, title: 'Remember this', model: 'ollama/llama3.2' });
      expect(conversations[0]?.active_generation_id).toBeNull();

      const rows = await messagesOf(app, body.conversation_id);
      expect(rows.map((row) => [row.role, row.status, row.content])).toEqual([
        ['user', 'complete', 'Remember this'],
        ['assistant', 'complete', 'Stored answer'],
      ]);
      const assistant = rows[1];
      expect(assistant).toMatchObject({
        id: body.message_id,
        model: 'ollama/llama3.2',
        finish_reason: 'stop',
        input_tokens: 9,
        output_tokens: 2,
      });
      expect(assistant?.latency_ms).toEqual(expect.any(Number));
      expect(assistant?.time_to_first_token_ms).toEqual(expect.any(Number));
      expect(assistant?.time_to_first_token_ms).toBeLessThanOrEqual(assistant?.latency_ms ?? -1);
    });

    it('sends the earlier messages and the configured system prompt when a conversation continues', async () => {
      const app = await start({ env: { SYSTEM_PROMPT: 'You are a test.' }, ollama: { tokens: ['A1'] } });
      const first = await chat(app, { message: 'Q1' });
      await app.ollama.setBehaviour({ tokens: ['A2'] });
      const second = await chat(app, { message: 'Q2', conversation_id: first.conversation_id });
      expect(second.conversation_id).toBe(first.conversation_id);
      expect(second.response).toBe('A2');

      expect((await upstreamCall(app, 0)).messages).toEqual([
        { role: 'system', content: 'You are a test.' },
        { role: 'user', content: 'Q1' },
      ]);
      expect((await upstreamCall(app, 1)).messages).toEqual([
        { role: 'system', content: 'You are a test.' },
        { role: 'user', content: 'Q1' },
        { role: 'assistant', content: 'A1' },
        { role: 'user', content: 'Q2' },
      ]);
      expect((await messagesOf(app, first.conversation_id)).map((row) => row.content)).toEqual(['Q1', 'A1', 'Q2', 'A2']);
    });

    it('sends only the last HISTORY_CONTEXT_MESSAGES earlier messages', async () => {
      const app = await start({ env: { HISTORY_CONTEXT_MESSAGES: '2' }, ollama: { tokens: ['A1'] } });
      const { conversation_id } = await chat(app, { message: 'Q1' });
      await app.ollama.setBehaviour({ tokens: ['A2'] });
      await chat(app, { message: 'Q2', conversation_id });
      await app.ollama.setBehaviour({ tokens: ['A3'] });
      await chat(app, { message: 'Q3', conversation_id });
      expect((await upstreamCall(app, 2)).messages).toEqual([
        { role: 'user', content: 'Q2' },
        { role: 'assistant', content: 'A2' },
        { role: 'user', content: 'Q3' },
      ]);
    });

    it('sends earlier messages holding NUL, CR LF and emoji back to the model unchanged', async () => {
      const answer = ['a\u0000b', '\r\n', '🎉'];
      const app = await start({ ollama: { tokens: answer } });
      const { conversation_id } = await chat(app, { message: 'x\u0000y' });
      await chat(app, { message: 'Q2', conversation_id });
      expect((await upstreamCall(app, 1)).messages).toEqual([
        { role: 'user', content: 'x\u0000y' },
        { role: 'assistant', content: answer.join('') },
        { role: 'user', content: 'Q2' },
      ]);
    });

    it('sends no earlier messages when HISTORY_CONTEXT_MESSAGES is 0', async () => {
      const app = await start({ env: { HISTORY_CONTEXT_MESSAGES: '0' } });
      const { conversation_id } = await chat(app, { message: 'Q1' });
      await chat(app, { message: 'Q2', conversation_id });
      expect((await upstreamCall(app, 1)).messages).toEqual([{ role: 'user', content: 'Q2' }]);
    });

    it('uses the request system prompt instead of SYSTEM_PROMPT, and sends none when neither is set', async () => {
      const app = await start({ env: { SYSTEM_PROMPT: 'From config.' } });
      await chat(app, { message: 'Q1', system: 'From request.' });
      expect((await upstreamCall(app, 0)).messages).toEqual([
        { role: 'system', content: 'From request.' },
        { role: 'user', content: 'Q1' },
      ]);
      await app.close();

      const bare = await start();
      await chat(bare, { message: 'Q1' });
      expect((await upstreamCall(bare, 0)).messages).toEqual([{ role: 'user', content: 'Q1' }]);
    });

    it("maps parameters to Ollama's options", async () => {
      const app = await start();
      await chat(app, { message: 'Q', parameters: { temperature: 0.7, top_p: 0.9, max_tokens: 123, stop: ['\n\n', 'END'] } });
      expect((await upstreamCall(app, 0)).options).toEqual({
        temperature: 0.7,
        top_p: 0.9,
        num_predict: 123,
        stop: ['\n\n', 'END'],
      });
    });

    it('takes parameters from MODEL_DEFAULT_* when the request leaves them out, and the request wins over them', async () => {
      const app = await start({
        env: { MODEL_DEFAULT_TEMPERATURE: '0.2', MODEL_DEFAULT_TOP_P: '0.5', MODEL_DEFAULT_MAX_TOKENS: '64' },
      });
      await chat(app, { message: 'Q' });
      expect((await upstreamCall(app, 0)).options).toEqual({ temperature: 0.2, top_p: 0.5, num_predict: 64 });
      await chat(app, { message: 'Q', parameters: { temperature: 1.5 } });
      expect((await upstreamCall(app, 1)).options).toEqual({ temperature: 1.5, top_p: 0.5, num_predict: 64 });
    });

    it('titles a new conversation with its first message cut to 60 characters and keeps that title', async () => {
      const app = await start();
      const long = 'abcdefghij'.repeat(7);
      const { conversation_id } = await chat(app, { message: long });
      await chat(app, { message: 'A different second message', conversation_id });
      const [row] = await app.query<{ title: string }>('select title from conversations where id = ?', [conversation_id]);
      expect(row?.title).toBe(long.slice(0, 60));
      const history = (await (await app.fetch(`/api/history/${conversation_id}`)).json()) as { title: string };
      expect(history.title).toBe(long.slice(0, 60));
    });

    it('answers 404 NOT_FOUND for an unknown conversation_id without calling the model', async () => {
      const app = await start();
      const response = await app.post('/api/chat', { message: 'Q', conversation_id: crypto.randomUUID() });
      expect(response.status).toBe(404);
      const body = (await response.json()) as ErrorBody;
      expect(body).toEqual({
        error: expect.any(String),
        code: 'NOT_FOUND',
        request_id: response.headers.get('x-request-id'),
        details: [],
      });
      expect(await app.ollama.hits()).toBe(0);
      expect(await app.query('select * from messages')).toHaveLength(0);
    });

    it('answers 404 NOT_FOUND for a provider that is not configured without calling the model', async () => {
      const app = await start();
      const response = await app.post('/api/chat', { message: 'Q', model: 'openai/gpt-4o' });
      expect(response.status).toBe(404);
      expect(((await response.json()) as ErrorBody).code).toBe('NOT_FOUND');
      expect(await app.ollama.hits()).toBe(0);
      expect(await app.query('select * from messages')).toHaveLength(0);
    });

    it('refuses a model name that is a URL with 400 INVALID_INPUT and no outbound request', async () => {
      const app = await start();
      for (const model of ['http://169.254.169.254/x', '//169.254.169.254/latest', '../../etc/passwd']) {
        const response = await app.post('/api/chat', { message: 'Q', model });
        expect(response.status, model).toBe(400);
        const body = (await response.json()) as ErrorBody;
        expect(body.code).toBe('INVALID_INPUT');
        expect(body.details.map((detail) => detail.field)).toContain('model');
      }
      expect(await app.ollama.hits()).toBe(0);
      expect(await app.query('select * from conversations')).toHaveLength(0);
    });

    it('answers 409 CONFLICT while a generation runs in the conversation, stores nothing for it, and accepts the next turn after', async () => {
      const app = await start({ ollama: { tokens: ['a', 'b', 'c', 'd', 'e', 'f'], tokenDelayMs: 80 } });
      const created = await app.post('/api/history', {});
      expect(created.status).toBe(201);
      const { id: conversation_id } = (await created.json()) as { id: string };

      const first = app.post('/api/chat', { message: 'first', conversation_id });
      await eventually(async () => ((await app.ollama.hits('/api/chat')) === 1 ? true : undefined));

      const second = await app.post('/api/chat', { message: 'second', conversation_id });
      expect(second.status).toBe(409);
      expect(((await second.json()) as ErrorBody).code).toBe('CONFLICT');
      expect(await app.ollama.hits('/api/chat')).toBe(1);
      expect((await messagesOf(app, conversation_id)).map((row) => row.content)).toEqual(['first']);

      const streamed = await app.post('/api/chat/stream', { message: 'second', conversation_id });
      expect(streamed.status).toBe(409);
      expect(((await streamed.json()) as ErrorBody).code).toBe('CONFLICT');

      const firstResponse = await first;
      expect(firstResponse.status).toBe(200);
      expect(((await firstResponse.json()) as ChatBody).response).toBe('abcdef');

      await app.ollama.setBehaviour({ tokenDelayMs: 0, tokens: ['next'] });
      const third = await chat(app, { message: 'third', conversation_id });
      expect(third.response).toBe('next');
      const rows = await messagesOf(app, conversation_id);
      expect(rows.map((row) => [row.role, row.content, row.status])).toEqual([
        ['user', 'first', 'complete'],
        ['assistant', 'abcdef', 'complete'],
        ['user', 'third', 'complete'],
        ['assistant', 'next', 'complete'],
      ]);
    });
  });
}
