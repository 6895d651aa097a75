import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { openAiClient, openAiError } from '../helpers/openai-client.ts';
import { eventually, parseSse } from '../helpers/sse.ts';
import { useHarness, type CreateHarness, type Harness } from './harness.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Row {
  role: string;
  content: string;
  status: string;
  reply_to: string | null;
  id: string;
}

const rowsOf = (app: Harness, conversationId: string) =>
  app.query<Row>('select id, role, content, status, reply_to from messages where conversation_id = ? order by sequence', [
    conversationId,
  ]);

async function ollamaMessages(app: Harness, index: number): Promise<unknown> {
  const calls = (await app.ollama.requests()).filter((request) => request.path === '/api/chat');
  return (calls[index]?.body as { messages: unknown }).messages;
}

/** X-Conversation-Id on /v1/chat/completions: OpenAI clients' exchanges stored in the history. */
export function describeOpenAiHistory(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('X-Conversation-Id on /v1/chat/completions', () => {
    it('stores the last user message and the answer in a new conversation, names it in the header, and lists it', async () => {
      const app = await start();
      const client = openAiClient(app, { 'X-Conversation-Id': 'new' });
      const { data, response } = await client.chat.completions
        .create({ model: 'ollama/llama3.2', messages: [{ role: 'user', content: 'First question' }] })
        .withResponse();
      expect(data.choices[0]?.message.content).toBe('Hello, world!');
      const conversationId = response.headers.get('x-conversation-id') ?? '';
      expect(conversationId).toMatch(UUID);
      const rows = await rowsOf(app, conversationId);
      expect(rows.map((row) => [row.role, row.content, row.status])).toEqual([
        ['user', 'First question', 'complete'],
        ['assistant', 'Hello, world!', 'complete'],
      ]);
      expect(rows[1]?.reply_to).toBe(rows[0]?.id);
      const list = (await (await app.fetch('/api/history')).json()) as { conversations: { id: string; title: string }[] };
      expect(list.conversations).toEqual([expect.objectContaining({ id: conversationId, title: 'First question' })]);
    });

    it('appends to an existing conversation while the model sees exactly the messages the client sent', async () => {
      const app = await start();
      const first = await app.post(
        '/v1/chat/completions',
        { model: 'ollama/llama3.2', messages: [{ role: 'user', content: 'Q1' }] },
        {
          headers: { 'content-type': 'application/json', 'x-conversation-id': 'new' },
        },
      );
      const conversationId = first.headers.get('x-conversation-id') ?? '';
      await app.ollama.setBehaviour({ tokens: ['A2'] });
      const messages = [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Q1' },
        { role: 'assistant', content: 'Hello, world!' },
        { role: 'user', content: 'Q2' },
      ];
      const second = await app.post(
        '/v1/chat/completions',
        { model: 'ollama/llama3.2', messages, stream: true },
        {
          headers: { 'content-type': 'application/json', 'x-conversation-id': conversationId },
        },
      );
      expect(second.headers.get('x-conversation-id')).toBe(conversationId);
      expect(parseSse(await second.text()).at(-1)).toEqual({ raw: '[DONE]' });
      expect(await ollamaMessages(app, 1)).toEqual(messages);
      await eventually(async () => expect(await rowsOf(app, conversationId)).toHaveLength(4));
      expect((await rowsOf(app, conversationId)).map((row) => row.content)).toEqual(['Q1', 'Hello, world!', 'Q2', 'A2']);
      const history = (await (await app.fetch(`/api/history/${conversationId}`)).json()) as { messages: unknown[] };
      expect(history.messages).toHaveLength(4);
    });

    it('stores only the answer of a request that ends in tool results', async () => {
      const app = await start({ ollama: { tokens: ['Sunny.'] } });
      const response = await app.post(
        '/v1/chat/completions',
        {
          model: 'ollama/llama3.2',
          messages: [
            { role: 'user', content: 'Weather?' },
            {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: 'c1', type: 'function', function: { name: 'w', arguments: '{}' } }],
            },
            { role: 'tool', tool_call_id: 'c1', content: 'sun' },
          ],
        },
        { headers: { 'content-type': 'application/json', 'x-conversation-id': 'new' } },
      );
      const rows = await rowsOf(app, response.headers.get('x-conversation-id') ?? '');
      expect(rows.map((row) => [row.role, row.content, row.reply_to])).toEqual([['assistant', 'Sunny.', null]]);
    });

    it('answers an unknown, foreign or malformed conversation id before any model call', async () => {
      const app = await start();
      const now = new Date().toISOString();
      const foreign = crypto.randomUUID();
      await app.query('insert into conversations (id, owner_id, title, created_at, updated_at) values (?, ?, ?, ?, ?)', [
        foreign,
        'someone-else',
        'theirs',
        now,
        now,
      ]);
      const client = (id: string) => openAiClient(app, { 'X-Conversation-Id': id });
      for (const id of [crypto.randomUUID(), foreign]) {
        const call = client(id).chat.completions.create({ model: 'ollama/llama3.2', messages: [{ role: 'user', content: 'x' }] });
        await expect(call).rejects.toBeInstanceOf(OpenAI.NotFoundError);
      }
      const malformed = await app.post(
        '/v1/chat/completions',
        { model: 'ollama/llama3.2', messages: [{ role: 'user', content: 'x' }] },
        {
          headers: { 'content-type': 'application/json', 'x-conversation-id': 'latest' },
        },
      );
      expect(await openAiError(malformed, 400)).toMatchObject({ param: 'X-Conversation-Id' });
      expect(await app.ollama.hits('/api/chat')).toBe(0);
      expect(await app.query('select id from messages')).toEqual([]);
    });

    it('answers 409 while a generation runs in the conversation', async () => {
      const app = await start();
      const created = await app.post('/api/history', {});
      const { id } = (await created.json()) as { id: string };
      await app.ollama.setBehaviour({ tokenDelayMs: 150 });
      const headers = { 'content-type': 'application/json', 'x-conversation-id': id };
      const body = { model: 'ollama/llama3.2', messages: [{ role: 'user', content: 'x' }], stream: true };
      const running = await app.post('/v1/chat/completions', body, { headers });
      expect(running.status).toBe(200);
      const conflict = await app.post('/v1/chat/completions', body, { headers });
      expect(await openAiError(conflict, 409)).toMatchObject({ code: 'conflict', type: 'invalid_request_error' });
      await running.text();
      expect(await app.ollama.hits('/api/chat')).toBe(1);
    });
  });
}
