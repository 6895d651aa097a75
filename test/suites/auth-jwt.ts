/**
 * JWTs from an identity provider (API.md § Auth): HS256 with AUTH_JWT_SECRET, RS256/ES256 from
 * AUTH_JWKS_URL (a fake JWKS endpoint), issuer and audience, AUTH_JWT_HEADER, and every way a token can
 * be wrong (401, never 500). Tokens are signed here with hono/jwt and WebCrypto keys.
 */
import { sign } from 'hono/jwt';
import { describe, expect, it } from 'vitest';
import { authRequired, bearer } from './auth-support.ts';
import { useHarness, type CreateHarness, type Harness } from './harness.ts';

const secret = 'an-hs256-secret-of-at-least-32-characters!';
const issuer = 'https://idp.example';
const audience = 'edge-llm-api';
const jwtEnv = (extra: Record<string, string> = {}) =>
  authRequired({ AUTH_JWT_SECRET: secret, AUTH_JWT_ISSUER: issuer, AUTH_JWT_AUDIENCE: audience, ...extra });

const nowSeconds = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({
  sub: 'user-123',
  iss: issuer,
  aud: audience,
  exp: nowSeconds() + 300,
  email: 'jwt.user@example.com',
  name: 'JWT User',
  ...extra,
});

const base64Url = (text: string) => btoa(text).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');

interface SigningKey {
  /** The public key as the JWKS publishes it. */
  publicJwk: JsonWebKey & { kid: string; alg: string };
  sign(payload: Record<string, unknown>): Promise<string>;
}

/** Exports a key as JWK (typed the same under Node's and workerd's WebCrypto types). */
async function exportJwk(key: CryptoKey): Promise<JsonWebKey> {
  const exported: unknown = await crypto.subtle.exportKey('jwk', key);
  return exported as JsonWebKey;
}

async function signingKey(alg: 'RS256' | 'ES256', kid: string): Promise<SigningKey> {
  const parameters =
    alg === 'RS256'
      ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
      : { name: 'ECDSA', namedCurve: 'P-256' };
  const generated: unknown = await crypto.subtle.generateKey(parameters, true, ['sign', 'verify']);
  const pair = generated as CryptoKeyPair;
  const privateJwk: unknown = { ...(await exportJwk(pair.privateKey)), kid, alg };
  const publicJwk = { ...(await exportJwk(pair.publicKey)), kid, alg, use: 'sig' };
  return { publicJwk, sign: (payload) => sign(payload, privateJwk as Parameters<typeof sign>[1]) };
}

const me = (app: Harness, headers: Record<string, string>) => app.fetch('/api/auth/me', { headers });

async function expect401(response: Response, label: string): Promise<void> {
  expect(response.status, label).toBe(401);
  expect(await response.json(), label).toMatchObject({ code: 'UNAUTHORIZED' });
}

export function describeAuthJwt(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('HS256 JWTs (AUTH_JWT_SECRET)', () => {
    it('makes the token the user `sub` under `iss`, created on first sight with email and name from the claims', async () => {
      const app = await start({ env: jwtEnv() });
      const token = await sign(claims(), secret, 'HS256');
      const first = await me(app, bearer(token));
      expect(first.status).toBe(200);
      const body = (await first.json()) as { user: { id: string }; auth: string };
      expect(body).toMatchObject({ user: { email: 'jwt.user@example.com', name: 'JWT User', role: 'user' }, auth: 'jwt' });
      const again = (await (await me(app, bearer(await sign(claims({ name: 'Renamed' }), secret, 'HS256')))).json()) as {
        user: { id: string; name: string };
      };
      expect(again.user).toMatchObject({ id: body.user.id, name: 'Renamed' });
      expect(await app.query('select jwt_issuer, jwt_subject from users where jwt_subject = ?', ['user-123'])).toEqual([
        { jwt_issuer: issuer, jwt_subject: 'user-123' },
      ]);
      const chat = await app.post('/api/chat', { message: 'Hi' }, { headers: bearer(token) });
      expect(chat.status).toBe(200);
      expect(await app.query('select owner_id from conversations')).toEqual([{ owner_id: body.user.id }]);
    });

    it('answers 401, never 500, for an expired, not yet valid, forged, unsigned (alg none), wrong-issuer, wrong-audience or subject-less token', async () => {
      const app = await start({ env: jwtEnv() });
      const unsignedHeader = base64Url(JSON.stringify({ alg: 'none', typ: 'JWT' }));
      const tokens: [string, string][] = [
        ['expired', await sign(claims({ exp: nowSeconds() - 10 }), secret, 'HS256')],
        ['not yet valid', await sign(claims({ nbf: nowSeconds() + 600 }), secret, 'HS256')],
        ['forged', await sign(claims(), 'another-secret-that-is-long-enough-to-use', 'HS256')],
        ['alg none', `${unsignedHeader}.${base64Url(JSON.stringify(claims()))}.`],
        ['wrong issuer', await sign(claims({ iss: 'https://evil.example' }), secret, 'HS256')],
        ['no issuer', await sign(claims({ iss: undefined }), secret, 'HS256')],
        ['wrong audience', await sign(claims({ aud: 'another-api' }), secret, 'HS256')],
        ['no subject', await sign(claims({ sub: undefined }), secret, 'HS256')],
        ['HS512', await sign(claims(), secret, 'HS512')],
        [
          'tampered payload',
          (await sign(claims(), secret, 'HS256')).replace(
            /\.[^.]+\./,
            `.${base64Url(JSON.stringify(claims({ sub: 'admin' })))}.`,
          ),
        ],
        ['garbage', 'eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln'],
      ];
      for (const [label, token] of tokens) await expect401(await me(app, bearer(token)), label);
      expect(await app.query('select id from users where jwt_issuer is not null')).toEqual([]);
    });

    it('is 401 for a bad JWT with auth off too, while a JWT-shaped bearer is only a placeholder when no JWT auth is configured', async () => {
      const withJwt = await start({ env: { AUTH_JWT_SECRET: secret } });
      const forged = await sign(claims(), 'another-secret-that-is-long-enough-to-use', 'HS256');
      await expect401(await me(withJwt, bearer(forged)), 'forged, auth off');
      await withJwt.close();
      const withoutJwt = await start();
      const response = await me(withoutJwt, bearer(forged));
      expect(await response.json()).toMatchObject({ user: { id: 'local' }, auth: 'none' });
    });

    it('reads the token from AUTH_JWT_HEADER (Cloudflare Access sends Cf-Access-Jwt-Assertion)', async () => {
      const app = await start({ env: jwtEnv({ AUTH_JWT_HEADER: 'Cf-Access-Jwt-Assertion' }) });
      const token = await sign(claims(), secret, 'HS256');
      const response = await me(app, { 'cf-access-jwt-assertion': token });
      expect(await response.json()).toMatchObject({ auth: 'jwt', user: { email: 'jwt.user@example.com' } });
      await expect401(await me(app, { 'cf-access-jwt-assertion': `${token}x` }), 'bad signature in the header');
      await expect401(await me(app, { 'cf-access-jwt-assertion': 'not-a-jwt' }), 'not a JWT in the header');
    });
  });

  describe('RS256 and ES256 JWTs (AUTH_JWKS_URL)', () => {
    it.each(['RS256', 'ES256'] as const)('accepts a %s token signed by a key of the JWKS', async (alg) => {
      const app = await start({ env: authRequired({ AUTH_JWT_ISSUER: issuer }), jwks: true });
      const key = await signingKey(alg, `${alg}-1`);
      await app.jwks?.publish([key.publicJwk]);
      const response = await me(app, bearer(await key.sign(claims())));
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ auth: 'jwt' });
    });

    it('fetches the keys again for an unknown kid, but at most once in 30 s, so forged kids cannot hammer the provider', async () => {
      const app = await start({ env: authRequired(), jwks: true });
      const jwks = app.jwks;
      if (!jwks) throw new Error('no JWKS');
      const first = await signingKey('ES256', 'first');
      await jwks.publish([first.publicJwk]);
      expect((await me(app, bearer(await first.sign(claims())))).status).toBe(200);
      expect((await me(app, bearer(await first.sign(claims())))).status).toBe(200);
      expect(await jwks.hits()).toBe(1);

      const forger = await signingKey('ES256', 'forged-kid');
      for (let attempt = 0; attempt < 3; attempt += 1)
        await expect401(await me(app, bearer(await forger.sign(claims()))), 'forged kid');
      // The first unknown kid fetched the keys again; the next ones within 30 s did not.
      expect(await jwks.hits()).toBe(2);
      // A token claiming a known kid but signed by another key is refused.
      const impostor = await signingKey('ES256', 'first');
      await expect401(await me(app, bearer(await impostor.sign(claims()))), 'known kid, wrong key');
    });

    it('picks up a rotated key on first sight of its kid', async () => {
      const app = await start({ env: authRequired(), jwks: true });
      const jwks = app.jwks;
      if (!jwks) throw new Error('no JWKS');
      const old = await signingKey('RS256', 'old');
      await jwks.publish([old.publicJwk]);
      expect((await me(app, bearer(await old.sign(claims())))).status).toBe(200);
      const rotated = await signingKey('RS256', 'new');
      await jwks.publish([old.publicJwk, rotated.publicJwk]);
      const response = await me(app, bearer(await rotated.sign(claims())));
      expect(response.status).toBe(200);
      expect(await jwks.hits()).toBe(2);
      expect((await me(app, bearer(await old.sign(claims())))).status).toBe(200);
    });

    it('refuses an HS256 token when only a JWKS is configured (no key confusion)', async () => {
      const app = await start({ env: authRequired(), jwks: true });
      const key = await signingKey('RS256', 'k');
      await app.jwks?.publish([key.publicJwk]);
      const confused = await sign(claims(), JSON.stringify(key.publicJwk), 'HS256');
      await expect401(await me(app, bearer(confused)), 'HS256 with the public key as secret');
    });
  });
}
