/** API keys (API.md § API keys): creation, admin-only fields, listing, revocation, model lists, last use. */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { routedFetch } from '../helpers/routed-fetch.ts';
import { eventually } from '../helpers/sse.ts';
import { adminKey, authRequired, bearer, createKey, errorOf, registerAndLogin } from './auth-support.ts';
import { useHarness, type CreateHarness } from './harness.ts';

interface KeyListBody {
  keys: { id: string; user_id: string; name: string; last_used_at: string | null; revoked_at: string | null }[];
}

export function describeAuthKeys(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('POST /api/keys', () => {
    it('creates a key shown once, with every field an admin may set, stored only as its SHA-256', async () => {
      const app = await start({ env: authRequired({ MODEL_ALIASES: 'fast=ollama/llama3.2' }) });
      const user = await registerAndLogin(app, 'owner@example.com');
      const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
      const created = await createKey(app, {
        name: 'batch job',
        user_id: user.userId,
        role: 'admin',
        expires_at: expiresAt,
        limits: { requests_per_minute: 30, concurrent_streams: 1, tokens_per_day: 100000 },
        models: ['ollama/llama3.2', 'fast'],
      });
      expect(created).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
        key: expect.stringMatching(/^ela_[\w-]{43}$/) as unknown,
        name: 'batch job',
        prefix: created.key.slice(0, 12),
        user_id: user.userId,
        role: 'admin',
        created_at: expect.stringMatching(/Z$/) as unknown,
        expires_at: expiresAt,
        limits: { requests_per_minute: 30, concurrent_streams: 1, tokens_per_day: 100000 },
        models: ['ollama/llama3.2', 'fast'],
      });
      const stored = await app.query<{ key_hash: string }>('select key_hash from api_keys where id = ?', [created.id]);
      expect(stored[0]?.key_hash).toMatch(/^[0-9a-f]{64}$/);
      const dump = JSON.stringify(await app.query('select * from api_keys'));
      expect(dump).not.toContain(created.key);
      expect(dump).not.toContain(created.key.slice(12));
      const listed = (await (await app.fetch('/api/keys', { headers: bearer(adminKey) })).json()) as Record<string, unknown>;
      expect(JSON.stringify(listed)).not.toContain(created.key);
    });

    it('lets a signed-in user create a key for themselves, as a user key owning what it creates', async () => {
      const app = await start({ env: authRequired() });
      const user = await registerAndLogin(app, 'self@example.com');
      const created = await createKey(app, { name: 'mine' }, user.token);
      expect(created).toMatchObject({ user_id: user.userId, role: 'user', limits: null, models: null });
      const conversation = await app.post(
        '/api/history',
        { title: 'by key', owner_id: 'local', user_id: 'admin' },
        { headers: bearer(created.key) },
      );
      expect(conversation.status).toBe(201);
      const { id } = (await conversation.json()) as { id: string };
      expect(await app.query('select owner_id from conversations where id = ?', [id])).toEqual([{ owner_id: user.userId }]);
    });

    it.each([
      ['user_id', { user_id: 'admin' }],
      ['role', { role: 'admin' }],
      ['limits', { limits: { requests_per_minute: 1000 } }],
      ['models', { models: ['ollama/llama3.2'] }],
    ])('answers 403 FORBIDDEN when a non-admin sets %s, and creates no key', async (field, extra) => {
      const app = await start({ env: authRequired() });
      const user = await registerAndLogin(app, 'nosy@example.com');
      const response = await app.post('/api/keys', { name: 'escalate', ...extra }, { headers: bearer(user.token) });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ code: 'FORBIDDEN', details: [{ field }] });
      expect(await app.query('select id from api_keys')).toEqual([]);
    });

    it('answers 400 naming the field for an unknown model, a past expires_at and an unknown user_id', async () => {
      const app = await start({ env: authRequired() });
      for (const [body, field] of [
        [{ models: ['ollama/llama3.2', 'openai/gpt-4o'] }, 'models.1'],
        [{ expires_at: new Date(Date.now() - 1000).toISOString() }, 'expires_at'],
        [{ expires_at: 'tomorrow' }, 'expires_at'],
        [{ user_id: 'no-such-user' }, 'user_id'],
        [{ name: '' }, 'name'],
      ] as const) {
        const response = await app.post('/api/keys', { name: 'k', ...body }, { headers: bearer(adminKey) });
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect(await response.json()).toMatchObject({ code: 'INVALID_INPUT', details: [{ field }] });
      }
    });
  });

  describe('GET /api/keys and DELETE /api/keys/:id', () => {
    it("lists a user's own keys only; an admin lists everyone's, or one user's with ?user_id=", async () => {
      const app = await start({ env: authRequired() });
      const ada = await registerAndLogin(app, 'ada@example.com');
      const bob = await registerAndLogin(app, 'bob@example.com');
      await createKey(app, { name: 'ada 1' }, ada.token);
      await createKey(app, { name: 'bob 1' }, bob.token);
      await createKey(app, { name: 'admin 1' });
      const list = async (token: string, query = '') =>
        ((await (await app.fetch(`/api/keys${query}`, { headers: bearer(token) })).json()) as KeyListBody).keys.map(
          (key) => key.name,
        );
      expect(await list(ada.token)).toEqual(['ada 1']);
      expect((await list(adminKey)).sort()).toEqual(['ada 1', 'admin 1', 'bob 1']);
      expect(await list(adminKey, `?user_id=${bob.userId}`)).toEqual(['bob 1']);
      const snooping = await app.fetch(`/api/keys?user_id=${bob.userId}`, { headers: bearer(ada.token) });
      expect(await errorOf(snooping)).toEqual({ status: 403, code: 'FORBIDDEN' });
    });

    it("answers 404 for another user's key and leaves it working", async () => {
      const app = await start({ env: authRequired() });
      const ada = await registerAndLogin(app, 'ada@example.com');
      const bob = await registerAndLogin(app, 'bob@example.com');
      const bobs = await createKey(app, { name: 'bob' }, bob.token);
      const attempt = await app.fetch(`/api/keys/${bobs.id}`, { method: 'DELETE', headers: bearer(ada.token) });
      expect(await errorOf(attempt)).toEqual({ status: 404, code: 'NOT_FOUND' });
      expect((await app.fetch('/api/history', { headers: bearer(bobs.key) })).status).toBe(200);
      const unknown = await app.fetch(`/api/keys/${crypto.randomUUID()}`, { method: 'DELETE', headers: bearer(adminKey) });
      expect(unknown.status).toBe(404);
      const malformed = await app.fetch('/api/keys/not-a-uuid', { method: 'DELETE', headers: bearer(adminKey) });
      expect(malformed.status).toBe(400);
    });

    it('shows revoked keys with revoked_at, and records last_used_at at most once a minute', async () => {
      const app = await start({ env: authRequired() });
      const { id, key } = await createKey(app);
      for (let call = 0; call < 5; call += 1)
        expect((await app.fetch('/api/history', { headers: bearer(key) })).status).toBe(200);
      const lastUsed = async () =>
        (await app.query<{ last_used_at: string | null }>('select last_used_at from api_keys where id = ?', [id]))[0]
          ?.last_used_at;
      const first = await eventually(async () => (await lastUsed()) ?? undefined);
      for (let call = 0; call < 3; call += 1) await app.fetch('/api/history', { headers: bearer(key) });
      expect(await lastUsed()).toBe(first);
      await app.query('update api_keys set last_used_at = ? where id = ?', [new Date(Date.now() - 120_000).toISOString(), id]);
      await app.fetch('/api/history', { headers: bearer(key) });
      const second = await eventually(async () => {
        const value = await lastUsed();
        return value !== null && value !== undefined && Date.parse(value) > Date.now() - 60_000 ? value : undefined;
      });
      expect(Date.parse(second)).toBeGreaterThanOrEqual(Date.parse(first));

      await app.fetch(`/api/keys/${id}`, { method: 'DELETE', headers: bearer(adminKey) });
      const listed = (await (await app.fetch('/api/keys', { headers: bearer(adminKey) })).json()) as KeyListBody;
      expect(listed.keys.find((entry) => entry.id === id)?.revoked_at).toMatch(/Z$/);
    });
  });

  describe('keys limited to models', () => {
    it('calls the listed models, and answers 403 for any other, the default included, before any model call', async () => {
      const app = await start({ env: authRequired({ MODEL_ALIASES: 'fast=ollama/llama3.2:1b' }) });
      const { key } = await createKey(app, { models: ['ollama/llama3.2:1b', 'fast'] });
      const headers = bearer(key);
      expect((await app.post('/api/chat', { message: 'Hi', model: 'ollama/llama3.2:1b' }, { headers })).status).toBe(200);
      expect((await app.post('/api/chat', { message: 'Hi', model: 'llama3.2:1b' }, { headers })).status).toBe(200);
      expect((await app.post('/api/generate', { prompt: 'Hi', model: 'fast' }, { headers })).status).toBe(200);
      const hits = await app.ollama.hits('/api/chat');

      const other = await app.post('/api/chat', { message: 'Hi', model: 'ollama/llama3.1' }, { headers });
      expect(other.status).toBe(403);
      expect(await other.json()).toMatchObject({ code: 'FORBIDDEN', details: [{ field: 'model' }] });
      expect((await app.post('/api/chat', { message: 'Hi' }, { headers })).status).toBe(403);
      expect((await app.post('/api/chat/stream', { message: 'Hi' }, { headers })).status).toBe(403);
      expect((await app.post('/ask', { question: 'Hi' }, { headers })).status).toBe(403);
      const openai = await app.post(
        '/v1/chat/completions',
        { model: 'ollama/llama3.1', messages: [{ role: 'user', content: 'Hi' }] },
        { headers },
      );
      expect(openai.status).toBe(403);
      expect(await openai.json()).toMatchObject({ error: { type: 'permission_error', param: 'model' } });
      expect(await app.ollama.hits('/api/chat')).toBe(hits);
      expect(await app.query("select id from messages where content = 'Hi' and role = 'user'")).toHaveLength(2);
    });
  });

  describe('OpenAI clients (/v1) with API keys', () => {
    const client = (app: Parameters<typeof routedFetch>[0], apiKey: string) =>
      new OpenAI({ apiKey, baseURL: 'http://gateway.test/v1', fetch: routedFetch(app), maxRetries: 0 });

    it("works with a good key, and raises the SDK's AuthenticationError (invalid_api_key) for a bad one", async () => {
      const app = await start({ env: authRequired() });
      const { key } = await createKey(app);
      const completion = await client(app, key).chat.completions.create({
        model: 'ollama/llama3.2',
        messages: [{ role: 'user', content: 'Hi' }],
      });
      expect(completion.choices[0]?.message.content).toBe('Hello, world!');
      expect((await client(app, key).models.list()).data.length).toBeGreaterThan(0);

      const hits = await app.ollama.hits('/api/chat');
      for (const bad of ['unused', `ela_${'Z'.repeat(43)}`]) {
        const failure: unknown = await client(app, bad)
          .chat.completions.create({ model: 'ollama/llama3.2', messages: [{ role: 'user', content: 'Hi' }] })
          .catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(OpenAI.AuthenticationError);
        expect(failure).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'authentication_error' });
      }
      expect(await app.ollama.hits('/api/chat')).toBe(hits);
    });

    it("raises PermissionDeniedError for a model outside the key's list", async () => {
      const app = await start({ env: authRequired() });
      const { key } = await createKey(app, { models: ['ollama/llama3.2'] });
      const failure: unknown = await client(app, key)
        .chat.completions.create({ model: 'ollama/other', messages: [{ role: 'user', content: 'Hi' }] })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect(failure).toMatchObject({ status: 403, type: 'permission_error', param: 'model' });
    });
  });
}
