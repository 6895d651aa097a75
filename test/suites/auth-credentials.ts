/**
 * Credentials on every route family (API.md § Auth): what is refused with 401 in which mode, what is
 * served as the local user, and that a refused request never reaches the model server.
 */
import { describe, expect, it } from 'vitest';
import { sleep } from '../helpers/sse.ts';
import { adminKey, authRequired, bearer, createKey, errorOf, registerAndLogin } from './auth-support.ts';
import { useHarness, type CreateHarness, type Harness } from './harness.ts';

interface RouteCall {
  name: string;
  call: (app: Harness, headers: Record<string, string>) => Promise<Response>;
}

const post = (path: string, body: unknown) => ({
  name: `POST ${path}`,
  call: (app: Harness, headers: Record<string, string>) => app.post(path, body, { headers }),
});
const get = (path: string) => ({
  name: `GET ${path}`,
  call: (app: Harness, headers: Record<string, string>) => app.fetch(path, { headers }),
});

/** One call per route family that needs a caller. */
const families: RouteCall[] = [
  post('/api/chat', { message: 'Hi' }),
  post('/api/chat/stream', { message: 'Hi' }),
  get('/api/history'),
  post('/api/history', { title: 'Notes' }),
  post('/api/generate', { prompt: 'Hi' }),
  post('/api/v1/generate', { prompt: 'Hi' }),
  post('/generate', { prompt: 'Hi' }),
  post('/ask', { question: 'Hi' }),
  get('/api/models'),
  get('/models'),
  post('/v1/chat/completions', { model: 'llama3.2', messages: [{ role: 'user', content: 'Hi' }] }),
  get('/v1/models'),
  get('/api/keys'),
  post('/api/keys', { name: 'k' }),
  get('/api/auth/me'),
  post('/api/auth/logout', {}),
];

const modelCalls = async (app: Harness) => (await app.ollama.hits('/api/chat')) + (await app.ollama.hits('/api/tags'));

/** Expects a 401 in the API's shape for the path (OpenAI's under /v1), with the Bearer challenge. */
async function expectUnauthorized(response: Response, path: string): Promise<void> {
  expect(response.status, path).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe('Bearer');
  const body = (await response.json()) as Record<string, unknown>;
  if (path.startsWith('/v1/')) {
    expect(body).toMatchObject({ error: { type: 'authentication_error', code: 'invalid_api_key' } });
  } else {
    expect(body).toMatchObject({ code: 'UNAUTHORIZED' });
  }
}

export function describeAuthCredentials(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('credentials with AUTH_REQUIRED=true', () => {
    it.each(families)('$name: 401 without a credential, and the model server is never called', async ({ name, call }) => {
      const app = await start({ env: authRequired() });
      await expectUnauthorized(await call(app, {}), name.split(' ')[1] ?? '');
      expect(await modelCalls(app)).toBe(0);
    });

    it.each(families)(
      '$name: 401 for a wrong key, a wrong-length key, an unknown session token, a placeholder bearer and a non-Bearer scheme',
      async ({ name, call }) => {
        const app = await start({ env: authRequired() });
        const path = name.split(' ')[1] ?? '';
        const wrong = [
          bearer(`ela_${'A'.repeat(43)}`),
          bearer('ela_short'),
          bearer(`ela_${'x'.repeat(5000)}`),
          bearer(`els_${'B'.repeat(43)}`),
          bearer('unused'),
          bearer('ollama'),
          bearer(`${adminKey}x`),
          { authorization: `Basic ${btoa('user:pass')}` },
          { authorization: 'Bearer' },
        ];
        for (const headers of wrong) await expectUnauthorized(await call(app, headers), path);
        expect(await modelCalls(app)).toBe(0);
      },
    );

    it('serves every route family for a valid API key, session token, session cookie and the admin key', async () => {
      const app = await start({ env: authRequired() });
      const { key } = await createKey(app);
      const session = await registerAndLogin(app, 'ada@example.com');
      for (const headers of [bearer(key), bearer(session.token), { cookie: session.cookie }, bearer(adminKey)]) {
        for (const { name, call } of families.filter((family) => family.name !== 'POST /api/auth/logout')) {
          const response = await call(app, headers);
          expect([200, 201], `${name} ${JSON.stringify(headers)}`).toContain(response.status);
          await response.body?.cancel();
        }
      }
    });

    it('keeps the public routes open: health, readiness, login, registration and CORS preflights', async () => {
      const app = await start({ env: authRequired() });
      for (const path of ['/health', '/health/live', '/health/ready']) expect((await app.fetch(path)).status, path).toBe(200);
      expect((await app.post('/api/auth/login', { email: 'nobody@example.com', password: 'whatever1' })).status).toBe(401);
      expect((await app.post('/api/auth/register', { email: 'new@example.com', password: 'long enough' })).status).toBe(201);
      const preflight = await app.fetch('/api/chat', {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBe(204);
    });
  });

  describe('credentials with AUTH_REQUIRED=false (the default)', () => {
    it.each(families)(
      '$name: serves no credential and the placeholder keys OpenAI clients send as the local user',
      async ({ call }) => {
        const app = await start();
        for (const headers of [{}, bearer('unused'), bearer('ollama'), bearer('sk-placeholder')]) {
          const response = await call(app, headers);
          expect([200, 201]).toContain(response.status);
          await response.body?.cancel();
        }
      },
    );

    it.each(families)(
      '$name: 401 for an unknown ela_ key or els_ token, so a misconfigured client notices',
      async ({ name, call }) => {
        const app = await start();
        for (const headers of [bearer(`ela_${'A'.repeat(43)}`), bearer('ela_'), bearer(`els_${'C'.repeat(43)}`)]) {
          await expectUnauthorized(await call(app, headers), name.split(' ')[1] ?? '');
        }
        expect(await modelCalls(app)).toBe(0);
      },
    );

    it('answers GET /api/auth/me as the local admin user without a credential', async () => {
      const app = await start();
      const response = await app.fetch('/api/auth/me');
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ user: { id: 'local', role: 'admin' }, auth: 'none' });
    });
  });

  describe('revoked and expired credentials', () => {
    it.each([
      ['AUTH_REQUIRED=true', authRequired()],
      ['AUTH_REQUIRED=false', { ADMIN_API_KEY: adminKey }],
    ])('refuses a revoked key on the very next request (%s)', async (_mode, env) => {
      const app = await start({ env });
      const { id, key } = await createKey(app);
      expect((await app.fetch('/api/history', { headers: bearer(key) })).status).toBe(200);
      const revoked = await app.fetch(`/api/keys/${id}`, { method: 'DELETE', headers: bearer(adminKey) });
      expect(revoked.status).toBe(200);
      expect(await revoked.json()).toEqual({ message: 'Key revoked' });
      expect(await errorOf(await app.fetch('/api/history', { headers: bearer(key) }))).toEqual({
        status: 401,
        code: 'UNAUTHORIZED',
      });
    });

    it('refuses a key past its expires_at', async () => {
      const app = await start({ env: authRequired() });
      const { id, key } = await createKey(app, { expires_at: new Date(Date.now() + 3_600_000).toISOString() });
      expect((await app.fetch('/api/history', { headers: bearer(key) })).status).toBe(200);
      await app.query('update api_keys set expires_at = ? where id = ?', [new Date(Date.now() - 1000).toISOString(), id]);
      expect((await app.fetch('/api/history', { headers: bearer(key) })).status).toBe(401);
    });

    it('refuses a session past SESSION_TTL_SECONDS, by bearer and by cookie', async () => {
      const app = await start({ env: authRequired({ SESSION_TTL_SECONDS: '1' }) });
      const session = await registerAndLogin(app, 'brief@example.com');
      expect((await app.fetch('/api/auth/me', { headers: bearer(session.token) })).status).toBe(200);
      await sleep(1100);
      expect((await app.fetch('/api/auth/me', { headers: bearer(session.token) })).status).toBe(401);
      const byCookie = await app.fetch('/api/auth/me', { headers: { cookie: session.cookie } });
      expect(byCookie.status).toBe(401);
      // The stale cookie is cleared, so the browser is not locked out of signing in again.
      expect(byCookie.headers.get('set-cookie')).toMatch(/^session=;.*Max-Age=0/);
    });

    it('refuses a session after logout, at once', async () => {
      const app = await start({ env: authRequired() });
      const session = await registerAndLogin(app, 'leaving@example.com');
      const logout = await app.post('/api/auth/logout', {}, { headers: bearer(session.token) });
      expect(logout.status).toBe(200);
      expect(await logout.json()).toEqual({ message: 'Logged out' });
      expect((await app.fetch('/api/history', { headers: bearer(session.token) })).status).toBe(401);
    });
  });
}
