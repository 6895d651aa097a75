/** What the auth suites share: an admin key, bearer headers, and calls that set up keys, users and sessions. */
import { expect } from 'vitest';
import type { Harness } from './harness.ts';

/** ADMIN_API_KEY of the auth suites (a test value: at least 32 characters, as the config requires). */
export const adminKey = 'admin-key-of-the-auth-test-suites-0123456789';

export const authRequired = (extra: Record<string, string> = {}) => ({
  AUTH_REQUIRED: 'true',
  ADMIN_API_KEY: adminKey,
  AUTH_ALLOW_REGISTRATION: 'true',
  ...extra,
});

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export interface CreatedKey {
  id: string;
  key: string;
  prefix: string;
  user_id: string;
  role: string;
  limits: unknown;
  models: string[] | null;
}

/** POST /api/keys as `token` (the admin key by default); expects 201. */
export async function createKey(app: Harness, body: Record<string, unknown> = {}, token = adminKey): Promise<CreatedKey> {
  const response = await app.post('/api/keys', { name: 'test key', ...body }, { headers: bearer(token) });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as CreatedKey;
}

export interface SignedIn {
  userId: string;
  token: string;
  cookie: string;
}

/** Registers a user and signs in; returns the session token and the cookie as a browser would send it back. */
export async function registerAndLogin(app: Harness, email: string, password = 'correct horse battery'): Promise<SignedIn> {
  const registered = await app.post('/api/auth/register', { email, password, name: email.split('@')[0] });
  expect(registered.status, await registered.clone().text()).toBe(201);
  const login = await app.post('/api/auth/login', { email, password });
  expect(login.status).toBe(200);
  const body = (await login.json()) as { token: string; user: { id: string } };
  const setCookie = login.headers.get('set-cookie') ?? '';
  return { userId: body.user.id, token: body.token, cookie: setCookie.split(';')[0] ?? '' };
}

/** A request's JSON error body and status, for assertions. */
export async function errorOf(response: Response): Promise<{ status: number; code: unknown }> {
  const body = (await response.json()) as { code?: unknown; error?: { code?: unknown } };
  return { status: response.status, code: body.code ?? body.error?.code };
}
