/**
 * Auth on a runtime that serves the API in its own process (Bun, Deno): the WebCrypto paths (PBKDF2
 * passwords, SHA-256 key hashes, constant-time compare) and the cookie and CORS headers as that
 * runtime's server writes them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOllama, type FakeOllama } from '../helpers/fake-ollama.ts';
import { startRuntimeServer, type RuntimeCommand, type RuntimeServer } from './runtime-server.ts';

const adminKey = 'runtime-smoke-admin-key-0123456789abcdef';
const origin = 'https://app.example';

export function describeRuntimeAuthSmoke(name: string, runtime: RuntimeCommand): void {
  describe(`${name}: auth in its own process`, () => {
    let ollama: FakeOllama;
    let server: RuntimeServer;

    beforeAll(async () => {
      ollama = await startFakeOllama();
      server = await startRuntimeServer(runtime, {
        OLLAMA_BASE_URL: ollama.url,
        AUTH_REQUIRED: 'true',
        ADMIN_API_KEY: adminKey,
        AUTH_ALLOW_REGISTRATION: 'true',
        CORS_ORIGINS: origin,
      });
    }, 90_000);
    afterAll(async () => {
      await server.stop();
      await ollama.close();
    });

    const call = (path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
      fetch(`${server.url}${path}`, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });

    it('refuses a request without a credential, signs a registered user in, and serves the session and an API key until revoked', async () => {
      const anonymous = await call('/api/history', { headers: { origin } });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('access-control-allow-origin')).toBe(origin);

      expect((await call('/api/auth/register', { body: { email: 'Rt@Example.com', password: 'long password' } })).status).toBe(
        201,
      );
      const wrong = await call('/api/auth/login', { body: { email: 'rt@example.com', password: 'wrong password' } });
      expect(wrong.status).toBe(401);
      const login = await call('/api/auth/login', { body: { email: 'rt@example.com', password: 'long password' } });
      expect(login.status).toBe(200);
      expect(login.headers.get('set-cookie')).toMatch(/^session=els_[\w-]+; .*HttpOnly/);
      const { token } = (await login.json()) as { token: string };
      const chat = await call('/api/chat', { body: { message: 'Hi' }, headers: { authorization: `Bearer ${token}` } });
      expect(chat.status).toBe(200);

      const created = await call('/api/keys', { body: { name: 'smoke' }, headers: { authorization: `Bearer ${adminKey}` } });
      expect(created.status).toBe(201);
      const { id, key } = (await created.json()) as { id: string; key: string };
      expect((await call('/api/history', { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
      await call(`/api/keys/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${adminKey}` } });
      expect((await call('/api/history', { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
    });
  });
}
