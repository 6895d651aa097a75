/**
 * Every conversation is its owner's (API.md § Ownership; RELIABILITY.md case 29, BOLA): another user's
 * read, list, rename, continue, stream and delete get 404, call no model and change nothing.
 */
import { describe, expect, it } from 'vitest';
import { adminKey, authRequired, bearer, createKey, registerAndLogin } from './auth-support.ts';
import { useHarness, type CreateHarness, type Harness } from './harness.ts';

/** Everything stored for one conversation, in a form that compares byte for byte. */
async function snapshot(app: Harness, conversationId: string): Promise<string> {
  const conversation = await app.query('select * from conversations where id = ?', [conversationId]);
  const messages = await app.query('select *, hex(content) as raw from messages where conversation_id = ? order by sequence', [
    conversationId,
  ]);
  return JSON.stringify({ conversation, messages });
}

export function describeOwnership(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe("another user's conversation", () => {
    it('is 404 for read, rename, continue, stream and delete, invisible in the list, with no model call and the rows byte-identical', async () => {
      const app = await start({ env: authRequired() });
      const owner = await registerAndLogin(app, 'owner@example.com');
      const intruder = await registerAndLogin(app, 'intruder@example.com');
      const intruderKey = (await createKey(app, { name: 'intruder key' }, intruder.token)).key;
      const first = await app.post('/api/chat', { message: 'my secret plan' }, { headers: bearer(owner.token) });
      expect(first.status).toBe(200);
      const { conversation_id: id } = (await first.json()) as { conversation_id: string };
      const before = await snapshot(app, id);
      const hits = await app.ollama.hits();

      for (const headers of [bearer(intruder.token), bearer(intruderKey), { cookie: intruder.cookie }, bearer(adminKey)]) {
        const attempts = [
          app.fetch(`/api/history/${id}`, { headers }),
          app.fetch(`/api/history/${id}`, {
            method: 'PUT',
            headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify({ title: 'pwned' }),
          }),
          app.post('/api/chat', { message: 'continue', conversation_id: id }, { headers }),
          app.post('/api/chat/stream', { message: 'continue', conversation_id: id }, { headers }),
          app.fetch(`/api/history/${id}`, { method: 'DELETE', headers }),
        ];
        for (const response of await Promise.all(attempts)) {
          expect(response.status).toBe(404);
          expect(await response.json()).toMatchObject({ code: 'NOT_FOUND' });
        }
        const list = (await (await app.fetch('/api/history', { headers })).json()) as { conversations: unknown[]; total: number };
        expect(list).toMatchObject({ conversations: [], total: 0 });
      }
      expect(await app.ollama.hits()).toBe(hits);
      expect(await snapshot(app, id)).toBe(before);

      const own = (await (await app.fetch(`/api/history/${id}`, { headers: bearer(owner.token) })).json()) as {
        messages: unknown[];
      };
      expect(own.messages).toHaveLength(2);
    });

    it("is 404 as an OpenAI client's X-Conversation-Id, with no model call and nothing stored", async () => {
      const app = await start({ env: authRequired() });
      const owner = await registerAndLogin(app, 'owner@example.com');
      const intruder = await registerAndLogin(app, 'intruder@example.com');
      const first = await app.post('/api/chat', { message: 'mine' }, { headers: bearer(owner.token) });
      const { conversation_id: id } = (await first.json()) as { conversation_id: string };
      const before = await snapshot(app, id);
      const hits = await app.ollama.hits();
      const attempt = await app.post(
        '/v1/chat/completions',
        { model: 'llama3.2', messages: [{ role: 'user', content: 'append to it' }] },
        { headers: { ...bearer(intruder.token), 'x-conversation-id': id } },
      );
      expect(attempt.status).toBe(404);
      expect(await attempt.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
      expect(await app.ollama.hits()).toBe(hits);
      expect(await snapshot(app, id)).toBe(before);
    });

    it('keeps conversations made before auth with the local user, out of every signed-in user’s reach', async () => {
      const app = await start({ env: { ADMIN_API_KEY: adminKey, AUTH_ALLOW_REGISTRATION: 'true' } });
      const local = await app.post('/api/chat', { message: 'from before auth' });
      const { conversation_id: id } = (await local.json()) as { conversation_id: string };
      expect(await app.query('select owner_id from conversations where id = ?', [id])).toEqual([{ owner_id: 'local' }]);
      const user = await registerAndLogin(app, 'later@example.com');
      expect((await app.fetch(`/api/history/${id}`, { headers: bearer(user.token) })).status).toBe(404);
      expect((await app.fetch(`/api/history/${id}`)).status).toBe(200);
      const list = (await (await app.fetch('/api/history')).json()) as { total: number };
      expect(list.total).toBe(1);
    });

    it("is not an admin's either: admins see their own conversations only", async () => {
      const app = await start({ env: authRequired() });
      const user = await registerAndLogin(app, 'private@example.com');
      const chat = await app.post('/api/chat', { message: 'mine' }, { headers: bearer(user.token) });
      const { conversation_id: id } = (await chat.json()) as { conversation_id: string };
      expect((await app.fetch(`/api/history/${id}`, { headers: bearer(adminKey) })).status).toBe(404);
      const adminsOwn = await app.post('/api/history', { title: 'admin notes' }, { headers: bearer(adminKey) });
      expect(adminsOwn.status).toBe(201);
      const list = (await (await app.fetch('/api/history', { headers: bearer(adminKey) })).json()) as {
        conversations: { title: string }[];
      };
      expect(list.conversations.map((conversation) => conversation.title)).toEqual(['admin notes']);
    });
  });
}
