/** Users and sessions (API.md § Users and sessions): registration, login, the cookie, logout, me, and CSRF. */
import { describe, expect, it } from 'vitest';
import { adminKey, authRequired, bearer, errorOf, registerAndLogin } from './auth-support.ts';
import { useHarness, type CreateHarness } from './harness.ts';

const password = 'correct horse battery';

/** The median time of `runs` calls, in ms. */
async function medianTime(runs: number, call: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    await call();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)] ?? 0;
}

export function describeAuthAccounts(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('registration', () => {
    it('creates a user with a lower-case email and no password in the answer', async () => {
      const app = await start({ env: authRequired() });
      const response = await app.post('/api/auth/register', { email: 'Ada@Example.COM', password, name: 'Ada' });
      expect(response.status).toBe(201);
      const body = (await response.json()) as { user: Record<string, unknown> };
      expect(body.user).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
        email: 'ada@example.com',
        name: 'Ada',
        role: 'user',
        created_at: expect.stringMatching(/Z$/) as unknown,
      });
    });

    it('answers 409 CONFLICT for an email already registered, whatever its case, and keeps the first account', async () => {
      const app = await start({ env: authRequired() });
      await registerAndLogin(app, 'grace@example.com');
      const again = await app.post('/api/auth/register', { email: 'GRACE@Example.com', password: 'another password' });
      expect(await errorOf(again)).toEqual({ status: 409, code: 'CONFLICT' });
      expect((await app.post('/api/auth/login', { email: 'grace@example.com', password })).status).toBe(200);
      expect((await app.post('/api/auth/login', { email: 'grace@example.com', password: 'another password' })).status).toBe(401);
    });

    it('answers 403 FORBIDDEN while AUTH_ALLOW_REGISTRATION is not true, and creates nothing', async () => {
      const app = await start({ env: { AUTH_REQUIRED: 'true' } });
      const response = await app.post('/api/auth/register', { email: 'closed@example.com', password });
      expect(await errorOf(response)).toEqual({ status: 403, code: 'FORBIDDEN' });
      expect(await app.query("select id from users where email = 'closed@example.com'")).toEqual([]);
    });

    it('answers 400 naming each bad field: a malformed email, a short or missing password', async () => {
      const app = await start({ env: authRequired() });
      const response = await app.post('/api/auth/register', { email: 'not-an-email', password: 'short' });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { details: { field: string }[] };
      expect(body.details.map((detail) => detail.field).sort()).toEqual(['email', 'password']);
    });

    it('ignores role, id and user_id in the body: a registered user is never an admin (mass assignment)', async () => {
      const app = await start({ env: authRequired() });
      const response = await app.post('/api/auth/register', {
        email: 'mallory@example.com',
        password,
        role: 'admin',
        id: 'admin',
        user_id: 'local',
      });
      expect(response.status).toBe(201);
      const { user } = (await response.json()) as { user: { id: string; role: string } };
      expect(user.role).toBe('user');
      expect(user.id).not.toBe('admin');
      expect(await app.query("select role from users where id = 'admin'")).toEqual([{ role: 'admin' }]);
    });
  });

  describe('login, me and logout', () => {
    it('signs in with the token and an HttpOnly SameSite=Lax session cookie; me then names the user and how it authenticated', async () => {
      const app = await start({ env: authRequired() });
      await app.post('/api/auth/register', { email: 'lin@example.com', password, name: 'Lin' });
      const login = await app.post('/api/auth/login', { email: 'LIN@example.com', password });
      expect(login.status).toBe(200);
      const body = (await login.json()) as { token: string; expires_at: string; user: { email: string } };
      expect(body.token).toMatch(/^els_[\w-]{43}$/);
      expect(Date.parse(body.expires_at) - Date.now()).toBeGreaterThan(604_000_000);
      expect(body.user.email).toBe('lin@example.com');
      const cookie = login.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(new RegExp(`^session=${body.token};`));
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      expect(cookie).toMatch(/Path=\//);
      expect(cookie).not.toMatch(/Secure/);

      const viaBearer = await app.fetch('/api/auth/me', { headers: bearer(body.token) });
      expect(await viaBearer.json()).toMatchObject({
        user: { email: 'lin@example.com', name: 'Lin', role: 'user' },
        auth: 'session',
      });
      const viaCookie = await app.fetch('/api/auth/me', { headers: { cookie: cookie.split(';')[0] ?? '' } });
      expect(await viaCookie.json()).toMatchObject({ user: { email: 'lin@example.com' }, auth: 'session' });
      const viaAdmin = await app.fetch('/api/auth/me', { headers: bearer(adminKey) });
      expect(await viaAdmin.json()).toMatchObject({ user: { id: 'admin', role: 'admin' }, auth: 'admin_key' });
    });

    it('answers the same 401 for a wrong password and an unknown email', async () => {
      const app = await start({ env: authRequired() });
      await registerAndLogin(app, 'kim@example.com');
      const wrongPassword = await app.post('/api/auth/login', { email: 'kim@example.com', password: 'wrong password' });
      const unknownEmail = await app.post('/api/auth/login', { email: 'nobody@example.com', password: 'wrong password' });
      expect(wrongPassword.status).toBe(401);
      expect(unknownEmail.status).toBe(401);
      const strip = (body: Record<string, unknown>) => ({ ...body, request_id: null });
      expect(strip((await wrongPassword.json()) as Record<string, unknown>)).toEqual(
        strip((await unknownEmail.json()) as Record<string, unknown>),
      );
    });

    it('takes as long for an unknown email as for a wrong password (a dummy hash is checked), so timing does not reveal accounts', async () => {
      const app = await start({ env: authRequired() });
      await registerAndLogin(app, 'sam@example.com');
      const login = (email: string) => app.post('/api/auth/login', { email, password: 'wrong password' }).then((r) => r.text());
      await login('warm-up@example.com');
      const unknown = await medianTime(5, () => login('nobody@example.com'));
      const known = await medianTime(5, () => login('sam@example.com'));
      // Without the dummy hash an unknown email answers after one indexed read (~1 ms) instead of a
      // PBKDF2 of 100,000 iterations (tens of ms): the ratio would be far below one half.
      expect(unknown / known).toBeGreaterThan(0.5);
      expect(unknown / known).toBeLessThan(2);
    });

    it('stores no plaintext password or session token in the database', async () => {
      const app = await start({ env: authRequired() });
      const session = await registerAndLogin(app, 'secret@example.com', 'plaintext-password-123');
      const users = await app.query<{ password_hash: string }>(
        "select password_hash from users where email = 'secret@example.com'",
      );
      expect(users[0]?.password_hash).toMatch(/^pbkdf2-sha256\$100000\$[\w+/=]+\$[\w+/=]+$/);
      const dump = JSON.stringify([
        await app.query('select * from users'),
        await app.query('select * from sessions'),
        await app.query('select * from api_keys'),
      ]);
      expect(dump).not.toContain('plaintext-password-123');
      expect(dump).not.toContain(session.token);
      expect(dump).not.toContain(session.token.slice(4));
    });

    it('logout revokes the session of the cookie and clears the cookie', async () => {
      const app = await start({ env: authRequired() });
      const session = await registerAndLogin(app, 'out@example.com');
      const logout = await app.post('/api/auth/logout', {}, { headers: { cookie: session.cookie } });
      expect(logout.status).toBe(200);
      expect(logout.headers.get('set-cookie')).toMatch(/^session=;.*Max-Age=0/);
      expect((await app.fetch('/api/auth/me', { headers: { cookie: session.cookie } })).status).toBe(401);
      expect(
        await app.query<{ revoked: number }>('select count(*) as revoked from sessions where revoked_at is not null'),
      ).toEqual([{ revoked: 1 }]);
    });
  });

  describe('cross-site requests with the session cookie (CSRF)', () => {
    it('refuses a state-changing cookie request whose Origin is another site with 403, and stores nothing', async () => {
      const app = await start({ env: authRequired() });
      const session = await registerAndLogin(app, 'victim@example.com');
      const forged = await app.post(
        '/api/history',
        { title: 'forged' },
        { headers: { cookie: session.cookie, origin: 'https://evil.example' } },
      );
      expect(await errorOf(forged)).toEqual({ status: 403, code: 'FORBIDDEN' });
      const chat = await app.post(
        '/api/chat',
        { message: 'forged' },
        { headers: { cookie: session.cookie, origin: 'https://evil.example' } },
      );
      expect(chat.status).toBe(403);
      expect(await app.ollama.hits('/api/chat')).toBe(0);
      expect(await app.query('select id from conversations')).toEqual([]);
    });

    it('serves the same cookie request from the app itself, from an origin in CORS_ORIGINS and without Origin; reads and bearer requests from anywhere', async () => {
      const app = await start({ env: authRequired({ CORS_ORIGINS: 'https://app.example' }) });
      const session = await registerAndLogin(app, 'fine@example.com');
      for (const origin of [app.origin, 'https://app.example', undefined]) {
        const headers: Record<string, string> = { cookie: session.cookie, ...(origin === undefined ? {} : { origin }) };
        expect((await app.post('/api/history', { title: 'ok' }, { headers })).status, String(origin)).toBe(201);
      }
      const read = await app.fetch('/api/history', { headers: { cookie: session.cookie, origin: 'https://evil.example' } });
      expect(read.status).toBe(200);
      const withBearer = await app.post(
        '/api/history',
        { title: 'ok' },
        { headers: { ...bearer(session.token), origin: 'https://evil.example' } },
      );
      expect(withBearer.status).toBe(201);
    });
  });
}
