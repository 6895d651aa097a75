import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sleep } from '../helpers/sse.ts';
import type { CreateHarness, Harness } from './harness.ts';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UNKNOWN_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

type Usage = { input_tokens: number | null; output_tokens: number | null };
type Message = { id: string; role: string; content: string; timestamp: string; status: string; model?: string; usage?: Usage };
type Head = { id: string; title: string; model: string | null; created_at: string; updated_at: string };
type Summary = Head & { message_count: number };
type Conversation = Head & { messages: Message[] };
type Page = { conversations: Summary[]; total: number; limit: number; offset: number };

export function describeHistory(createHarness: CreateHarness): void {
  let api: Harness;
  beforeEach(async () => {
    api = await createHarness();
  });
  afterEach(async () => {
    await api.close();
  });

  async function json<T>(response: Response, status: number): Promise<T> {
    const text = await response.text();
    expect(response.status, text).toBe(status);
    return JSON.parse(text) as T;
  }
  const create = async (body?: unknown) =>
    json<Conversation & { message_count: number }>(
      await (body === undefined ? api.fetch('/api/history', { method: 'POST' }) : api.post('/api/history', body)),
      201,
    );
  const chat = async (message: string, conversationId?: string) =>
    json<{ conversation_id: string }>(
      await api.post('/api/chat', { message, ...(conversationId ? { conversation_id: conversationId } : {}) }),
      200,
    );
  const list = async (query = '') => json<Page>(await api.fetch(`/api/history${query}`), 200);
  const get = async (id: string) => json<Conversation>(await api.fetch(`/api/history/${id}`), 200);
  const rename = (id: string, title: unknown) =>
    api.fetch(`/api/history/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title }),
    });
  /** Timestamps have millisecond resolution: a pause keeps updated_at strictly increasing. */
  const tick = () => sleep(5);

  async function expectError(response: Response, status: number, code: string, field?: string) {
    const body = await json<{ code: string; details: { field: string }[] }>(response, status);
    expect(body.code).toBe(code);
    if (field !== undefined) expect(body.details.map((detail) => detail.field)).toContain(field);
  }

  describe('POST /api/history', () => {
    it('creates an empty conversation with no body at all', async () => {
      const created = await create();
      expect(Object.keys(created).sort()).toEqual([
        'created_at',
        'id',
        'message_count',
        'messages',
        'model',
        'title',
        'updated_at',
      ]);
      expect(created).toMatchObject({ model: null, message_count: 0, messages: [] });
      expect(created.id).toMatch(UUID);
      expect(created.created_at).toMatch(ISO);
      expect(created.updated_at).toBe(created.created_at);
      expect(typeof created.title).toBe('string');
      const rows = await api.query<{ owner_id: string }>('select owner_id from conversations where id = ?', [created.id]);
      expect(rows).toHaveLength(1);
    });

    it('creates with {} and with a title', async () => {
      expect((await create({})).message_count).toBe(0);
      const titled = await create({ title: 'Trip plans' });
      expect(titled.title).toBe('Trip plans');
      expect((await get(titled.id)).title).toBe('Trip plans');
      expect(await api.ollama.hits()).toBe(0);
    });

    it('names an untitled conversation after its first user message (60 characters), a titled one keeps its title', async () => {
      const untitled = await create();
      const long = `${'😀'.repeat(10)}${'x'.repeat(80)}`;
      await chat(long, untitled.id);
      await chat('A second message', untitled.id);
      expect((await get(untitled.id)).title).toBe(Array.from(long).slice(0, 60).join(''));

      const titled = await create({ title: 'Trip plans' });
      await chat('Where should we go?', titled.id);
      expect((await get(titled.id)).title).toBe('Trip plans');
    });

    it('refuses a bad title', async () => {
      await expectError(await api.post('/api/history', { title: '' }), 400, 'INVALID_INPUT', 'title');
      await expectError(await api.post('/api/history', { title: 'x'.repeat(201) }), 400, 'INVALID_INPUT', 'title');
      await expectError(await api.post('/api/history', { title: 5 }), 400, 'INVALID_INPUT', 'title');
      expect((await list()).total).toBe(0);
    });
  });

  describe('GET /api/history', () => {
    it('lists conversations newest updated_at first with their message counts', async () => {
      const a = await create({ title: 'A' });
      await tick();
      const b = (await chat('About B')).conversation_id;
      await tick();
      const c = await create({ title: 'C' });
      await tick();
      await chat('More A', a.id);
      await tick();
      await chat('Even more A', a.id);

      const page = await list();
      expect(Object.keys(page).sort()).toEqual(['conversations', 'limit', 'offset', 'total']);
      expect(page).toMatchObject({ total: 3, limit: 10, offset: 0 });
      expect(page.conversations.map((row) => row.id)).toEqual([a.id, c.id, b]);
      expect(page.conversations.map((row) => row.message_count)).toEqual([4, 0, 2]);
      for (const row of page.conversations) {
        expect(Object.keys(row).sort()).toEqual(['created_at', 'id', 'message_count', 'model', 'title', 'updated_at']);
        expect(row.created_at).toMatch(ISO);
        expect(row.updated_at >= row.created_at).toBe(true);
      }
      expect(page.conversations[0]).toMatchObject({ title: 'A', model: 'ollama/llama3.2' });
      expect(page.conversations[1]).toMatchObject({ title: 'C', model: null });
      expect(page.conversations[2]).toMatchObject({ title: 'About B', model: 'ollama/llama3.2' });

      // Renaming and chatting count as updates.
      await tick();
      expect((await rename(b, 'B renamed')).status).toBe(200);
      expect((await list()).conversations.map((row) => row.id)).toEqual([b, a.id, c.id]);
      await tick();
      await chat('Now C', c.id);
      expect((await list()).conversations.map((row) => [row.id, row.message_count])).toEqual([
        [c.id, 2],
        [b, 2],
        [a.id, 4],
      ]);
    });

    it('pages with limit and offset, 10 and 0 by default', async () => {
      const ids: string[] = [];
      for (let index = 0; index < 12; index += 1) {
        ids.unshift((await create({ title: `#${String(index)}` })).id);
        await tick();
      }
      const first = await list();
      expect(first).toMatchObject({ total: 12, limit: 10, offset: 0 });
      expect(first.conversations.map((row) => row.id)).toEqual(ids.slice(0, 10));

      const pages = [await list('?limit=5'), await list('?limit=5&offset=5'), await list('?limit=5&offset=10')];
      expect(pages.map((page) => [page.limit, page.offset, page.total])).toEqual([
        [5, 0, 12],
        [5, 5, 12],
        [5, 10, 12],
      ]);
      expect(pages.flatMap((page) => page.conversations.map((row) => row.id))).toEqual(ids);
      expect((await list('?limit=100')).conversations).toHaveLength(12);
      expect(await list('?offset=50')).toMatchObject({ conversations: [], total: 12, offset: 50 });
    });

    it.each([['limit=0'], ['limit=101'], ['limit=abc'], ['limit=1.5'], ['offset=-1'], ['offset=abc']])(
      'refuses ?%s with 400 INVALID_INPUT',
      async (query) => {
        await expectError(await api.fetch(`/api/history?${query}`), 400, 'INVALID_INPUT', query.split('=')[0]);
      },
    );
  });

  describe('GET /api/history/:id', () => {
    it('returns the messages in order with their documented fields', async () => {
      const { conversation_id: id } = await chat('First question');
      await chat('Second question', id);
      const conversation = await get(id);
      expect(Object.keys(conversation).sort()).toEqual(['created_at', 'id', 'messages', 'model', 'title', 'updated_at']);
      expect(conversation).toMatchObject({ id, title: 'First question', model: 'ollama/llama3.2' });
      expect(conversation.messages.map((message) => [message.role, message.content])).toEqual([
        ['user', 'First question'],
        ['assistant', 'Hello, world!'],
        ['user', 'Second question'],
        ['assistant', 'Hello, world!'],
      ]);
      const documented = ['content', 'id', 'model', 'role', 'status', 'timestamp', 'usage'];
      // finish_reason and error_code are extra fields the server adds; nothing else may appear.
      const allowed = new Set([...documented, 'finish_reason', 'error_code']);
      for (const message of conversation.messages) {
        expect(message.id).toMatch(UUID);
        expect(message.timestamp).toMatch(ISO);
        expect(message.status).toBe('complete');
        for (const key of Object.keys(message)) expect(allowed.has(key), key).toBe(true);
      }
      const [user, assistant] = conversation.messages;
      expect(Object.keys(user ?? {}).sort()).toEqual(['content', 'id', 'role', 'status', 'timestamp']);
      expect(assistant).toMatchObject({ model: 'ollama/llama3.2', usage: { output_tokens: 4 } });
      expect(assistant?.usage?.input_tokens).toBeGreaterThan(0);
      expect(new Set(conversation.messages.map((message) => message.id)).size).toBe(4);
    });
  });

  describe('PUT /api/history/:id', () => {
    it('renames and answers with the conversation as GET shows it; the name sticks after more chats', async () => {
      const { conversation_id: id } = await chat('Original words');
      await tick();
      const renamed = await json<Conversation>(await rename(id, 'Renamed'), 200);
      expect(renamed).toEqual(await get(id));
      expect(renamed.title).toBe('Renamed');
      expect(renamed.messages).toHaveLength(2);
      expect(renamed.updated_at > renamed.created_at).toBe(true);

      await chat('Something else entirely', id);
      expect((await get(id)).title).toBe('Renamed');
      expect((await json<Conversation>(await rename(id, 'x'.repeat(200)), 200)).title).toBe('x'.repeat(200));
    });

    it('refuses a title outside 1..200 characters and leaves the conversation alone', async () => {
      const { id } = await create({ title: 'Keep me' });
      await expectError(await rename(id, ''), 400, 'INVALID_INPUT', 'title');
      await expectError(await rename(id, 'x'.repeat(201)), 400, 'INVALID_INPUT', 'title');
      await expectError(await rename(id, null), 400, 'INVALID_INPUT', 'title');
      expect((await get(id)).title).toBe('Keep me');
    });
  });

  describe('DELETE /api/history/:id', () => {
    it('deletes the conversation and its messages', async () => {
      const { conversation_id: id } = await chat('Delete me');
      const { conversation_id: other } = await chat('Keep me');
      expect(await api.query('select id from messages where conversation_id = ?', [id])).toHaveLength(2);
      const response = await api.fetch(`/api/history/${id}`, { method: 'DELETE' });
      expect(await json(response, 200)).toEqual({ message: 'Conversation deleted successfully' });
      expect(await api.query('select id from messages where conversation_id = ?', [id])).toHaveLength(0);
      expect(await api.query('select id from conversations where id = ?', [id])).toHaveLength(0);
      expect(await api.query('select id from messages where conversation_id = ?', [other])).toHaveLength(2);
      await expectError(await api.fetch(`/api/history/${id}`), 404, 'NOT_FOUND');
      await expectError(await api.fetch(`/api/history/${id}`, { method: 'DELETE' }), 404, 'NOT_FOUND');
      expect((await list()).conversations.map((row) => row.id)).toEqual([other]);
    });

    it('keeps the list total equal to the number of conversations through creates and deletes', async () => {
      const counted = async () => Number((await api.query<{ n: number }>('select count(*) as n from conversations'))[0]?.n);
      const first = await create({ title: 'One' });
      const { conversation_id: second } = await chat('Two');
      await create();
      expect((await list()).total).toBe(3);
      expect(await counted()).toBe(3);
      await api.fetch(`/api/history/${first.id}`, { method: 'DELETE' });
      await api.fetch(`/api/history/${second}`, { method: 'DELETE' });
      expect((await list()).total).toBe(1);
      expect(await counted()).toBe(1);
    });
  });

  describe('unknown, malformed and foreign ids', () => {
    it('answers 404 NOT_FOUND for an unknown id on GET, PUT and DELETE', async () => {
      await expectError(await api.fetch(`/api/history/${UNKNOWN_ID}`), 404, 'NOT_FOUND');
      await expectError(await rename(UNKNOWN_ID, 'New name'), 404, 'NOT_FOUND');
      await expectError(await api.fetch(`/api/history/${UNKNOWN_ID}`, { method: 'DELETE' }), 404, 'NOT_FOUND');
      await expectError(await api.post('/api/chat', { message: 'Hi', conversation_id: UNKNOWN_ID }), 404, 'NOT_FOUND');
      expect(await api.query('select id from conversations')).toHaveLength(0);
      expect(await api.ollama.hits()).toBe(0);
    });

    it('answers 400 INVALID_INPUT for an id that is not a UUID', async () => {
      for (const id of ['not-a-uuid', '123', `${UNKNOWN_ID}x`]) {
        await expectError(await api.fetch(`/api/history/${id}`), 400, 'INVALID_INPUT', 'id');
        await expectError(await rename(id, 'New name'), 400, 'INVALID_INPUT', 'id');
        await expectError(await api.fetch(`/api/history/${id}`, { method: 'DELETE' }), 400, 'INVALID_INPUT', 'id');
      }
    });

    it("keeps another owner's conversation invisible and unchanged", async () => {
      const foreign = crypto.randomUUID();
      await api.query(
        "insert into conversations (id, owner_id, title, model, created_at, updated_at) values (?, 'someone-else', 'Secret', 'ollama/llama3.2', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
        [foreign],
      );
      await api.query(
        "insert into messages (id, conversation_id, sequence, role, content, status, created_at) values (?, ?, 1, 'user', 'private words', 'complete', '2026-01-01T00:00:00.000Z')",
        [crypto.randomUUID(), foreign],
      );
      const snapshot = async () => ({
        conversations: await api.query('select * from conversations where id = ?', [foreign]),
        messages: await api.query('select * from messages where conversation_id = ?', [foreign]),
      });
      const before = await snapshot();
      const mine = await create({ title: 'Mine' });

      await expectError(await api.fetch(`/api/history/${foreign}`), 404, 'NOT_FOUND');
      await expectError(await rename(foreign, 'Taken over'), 404, 'NOT_FOUND');
      await expectError(await api.fetch(`/api/history/${foreign}`, { method: 'DELETE' }), 404, 'NOT_FOUND');
      await expectError(await api.post('/api/chat', { message: 'Hi', conversation_id: foreign }), 404, 'NOT_FOUND');
      await expectError(await api.post('/api/chat/stream', { message: 'Hi', conversation_id: foreign }), 404, 'NOT_FOUND');

      const page = await list();
      expect(page.total).toBe(1);
      expect(page.conversations.map((row) => row.id)).toEqual([mine.id]);
      expect(await snapshot()).toEqual(before);
      expect(before.conversations).toHaveLength(1);
      expect(before.messages).toHaveLength(1);
      expect(await api.ollama.hits()).toBe(0);
    });
  });
}
