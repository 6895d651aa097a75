/**
 * Bearer JWTs from an identity provider (Auth0, Clerk, Supabase, Cloudflare Access): HS256 with
 * AUTH_JWT_SECRET, or RS256/ES256 with a key of AUTH_JWKS_URL, with the configured issuer and audience.
 * Verification is Hono's (`hono/jwt` `verify` / `verifyWithJwks`, WebCrypto on every runtime); this
 * module adds the JWKS cache Hono does not have: keys are kept for ten minutes and fetched again at once
 * when a token names an unknown `kid` (a key rotation), but for unknown kids at most once every 30 s, so
 * forged kids cannot make this API hammer the provider.
 */
import { verify, verifyWithJwks } from 'hono/jwt';
import { decodeHeader } from 'hono/utils/jwt/jwt';
import type { HonoJsonWebKey } from 'hono/utils/jwt/jws';
import type { JWTPayload } from 'hono/utils/jwt/types';

export interface JwtSettings {
  secret?: string | undefined;
  jwksUrl?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
}

/** What a verified token says about its user. */
export interface JwtIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  name: string | null;
}

export interface JwtVerifier {
  /** The identity of a valid token; throws for anything else (bad signature, expired, wrong iss/aud, …). */
  verify(token: string): Promise<JwtIdentity>;
}

const jwtShape = /^[\w-]+\.[\w-]+\.[\w-]*$/;

/** True when a bearer has a JWT's shape and header: three base64url parts, the first a JSON header with `alg`. */
export function looksLikeJwt(token: string): boolean {
  if (!jwtShape.test(token)) return false;
  try {
    const header: unknown = JSON.parse(atob(token.slice(0, token.indexOf('.')).replaceAll('-', '+').replaceAll('_', '/')));
    return typeof header === 'object' && header !== null && 'alg' in header;
  } catch {
    return false;
  }
}

const keysLifetimeMs = 10 * 60_000;
const refetchIntervalMs = 30_000;
const jwksTimeoutMs = 5_000;
/** Access tokens per RFC 9068 say `at+jwt`; ID tokens and most providers say `JWT` or nothing. */
const acceptedTypes = ['JWT', 'at+jwt'];

const claim = (payload: JWTPayload, name: string): string | null => {
  const value = payload[name];
  return typeof value === 'string' && value !== '' ? value : null;
};

export function createJwtVerifier(settings: JwtSettings, fetchKeys: typeof fetch = fetch): JwtVerifier | undefined {
  const { secret, jwksUrl } = settings;
  if (secret === undefined && jwksUrl === undefined) return undefined;
  const verification = {
    typ: acceptedTypes,
    ...(settings.issuer === undefined ? {} : { iss: settings.issuer }),
    ...(settings.audience === undefined ? {} : { aud: settings.audience }),
  };

  let keys: HonoJsonWebKey[] = [];
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let unknownKidFetchAt = Number.NEGATIVE_INFINITY;
  let pending: Promise<void> | undefined;
  const refresh = (): Promise<void> => {
    pending ??= (async () => {
      try {
        const response = await fetchKeys(jwksUrl ?? '', { signal: AbortSignal.timeout(jwksTimeoutMs) });
        if (!response.ok) throw new Error(`JWKS answered ${String(response.status)}`);
        const body = (await response.json()) as { keys?: unknown };
        if (!Array.isArray(body.keys)) throw new Error('JWKS has no keys array');
        keys = body.keys as HonoJsonWebKey[];
      } finally {
        fetchedAt = Date.now();
        pending = undefined;
      }
    })();
    return pending;
  };

  const verifyWithKeys = async (token: string, kid: string | undefined): Promise<JWTPayload> => {
    const now = Date.now();
    if (now - fetchedAt > keysLifetimeMs) {
      await refresh();
    } else if (!keys.some((key) => key.kid === kid) && now - unknownKidFetchAt > refetchIntervalMs) {
      unknownKidFetchAt = now;
      await refresh();
    }
    return verifyWithJwks(token, { keys, allowedAlgorithms: ['RS256', 'ES256'], verification });
  };

  return {
    async verify(token) {
      const header = decodeHeader(token);
      let payload: JWTPayload;
      // The algorithm picks the key source, so a token cannot have an asymmetric key used as an HMAC secret.
      if (header.alg === 'HS256' && secret !== undefined)
        payload = await verify(token, secret, { alg: 'HS256', ...verification });
      else if ((header.alg === 'RS256' || header.alg === 'ES256') && jwksUrl !== undefined)
        payload = await verifyWithKeys(token, header.kid);
      else throw new Error(`JWT algorithm ${header.alg} is not accepted`);
      const subject = claim(payload, 'sub');
      if (subject === null) throw new Error('JWT has no sub');
      return { issuer: claim(payload, 'iss') ?? '', subject, email: claim(payload, 'email'), name: claim(payload, 'name') };
    },
  };
}
