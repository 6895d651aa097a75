import type { Config } from '../config.ts';
import { lastUsedIsStale, type IdentityStore } from '../db/identity-store.ts';
import { adminKeyCaller, type Caller } from './caller.ts';
import { looksLikeJwt, type JwtVerifier } from './jwt-verifier.ts';
import { apiKeyPrefix, constantTimeEqual, hex, sha256, sessionTokenPrefix } from './tokens.ts';

/** Where a presented secret came from: the Authorization header, the session cookie, or AUTH_JWT_HEADER. */
export type CredentialSource = 'bearer' | 'cookie' | 'jwt-header';

export type CredentialResult =
  /** A valid credential: the request is this principal, whether or not auth is required. */
  | { outcome: 'caller'; caller: Caller; afterResponse?: () => Promise<void> }
  /** An `ela_`/`els_` token or a JWT that is unknown, wrong, expired or revoked: 401 in every mode. */
  | { outcome: 'invalid' }
  /** Not a credential of this API (`unused`, `ollama`: the keys OpenAI clients must send): as if none was sent. */
  | { outcome: 'placeholder' };

interface ResolverDependencies {
  config: Config;
  store: IdentityStore;
  jwt: JwtVerifier | undefined;
  now: () => Date;
}

const invalid: CredentialResult = { outcome: 'invalid' };

const isExpired = (expiresAt: string | null, now: Date) => expiresAt !== null && Date.parse(expiresAt) <= now.getTime();

/**
 * Turns a presented secret into the caller (API.md § Auth): the admin key, an API key, a session token,
 * or a JWT. Every lookup is by SHA-256 through a unique index; nothing is cached, so a revoked key or
 * session is refused on the very next request, in every process and Worker isolate.
 */
export class CredentialResolver {
  private readonly dependencies: ResolverDependencies;
  private readonly adminDigest: Promise<Uint8Array> | undefined;
  private readonly metricsDigest: Promise<Uint8Array> | undefined;

  constructor(dependencies: ResolverDependencies) {
    this.dependencies = dependencies;
    const { ADMIN_API_KEY: adminKey, METRICS_TOKEN: metricsToken } = dependencies.config;
    this.adminDigest = adminKey === undefined ? undefined : sha256(adminKey);
    this.metricsDigest = metricsToken === undefined ? undefined : sha256(metricsToken);
  }

  /** True when `secret` is METRICS_TOKEN (compared in constant time after hashing). */
  async isMetricsToken(secret: string): Promise<boolean> {
    return this.metricsDigest !== undefined && constantTimeEqual(await sha256(secret), await this.metricsDigest);
  }

  async resolve(secret: string, source: CredentialSource): Promise<CredentialResult> {
    const isToken = source !== 'jwt-header' && (secret.startsWith(apiKeyPrefix) || secret.startsWith(sessionTokenPrefix));
    // One SHA-256 serves both the admin key comparison (constant time, whatever the lengths) and the lookup.
    const digest = isToken || this.adminDigest !== undefined ? await sha256(secret) : undefined;
    if (
      digest !== undefined &&
      this.adminDigest !== undefined &&
      source === 'bearer' &&
      constantTimeEqual(digest, await this.adminDigest)
    )
      return { outcome: 'caller', caller: adminKeyCaller };
    if (isToken && digest !== undefined) {
      return secret.startsWith(apiKeyPrefix) ? this.apiKey(hex(digest), source) : this.session(hex(digest), source);
    }
    const { jwt } = this.dependencies;
    if (jwt !== undefined && (source === 'jwt-header' || looksLikeJwt(secret))) return this.jsonWebToken(jwt, secret);
    // A cookie or AUTH_JWT_HEADER value is always meant as a credential; only a bearer can be a placeholder.
    return source === 'bearer' ? { outcome: 'placeholder' } : invalid;
  }

  private async apiKey(keyHash: string, source: CredentialSource): Promise<CredentialResult> {
    const { store, now } = this.dependencies;
    const key = await store.apiKeyByHash(keyHash);
    const at = now();
    if (!key || key.revokedAt !== null || isExpired(key.expiresAt, at)) return invalid;
    const caller: Caller = {
      userId: key.userId,
      role: key.role,
      method: 'api_key',
      keyId: key.id,
      sessionId: null,
      viaCookie: source === 'cookie',
      models: key.models ?? undefined,
      limits: key.limits ?? undefined,
    };
    return lastUsedIsStale(key.lastUsedAt, at)
      ? { outcome: 'caller', caller, afterResponse: () => store.touchApiKey(key.id, at) }
      : { outcome: 'caller', caller };
  }

  private async session(tokenHash: string, source: CredentialSource): Promise<CredentialResult> {
    const found = await this.dependencies.store.sessionByTokenHash(tokenHash);
    if (!found || found.session.revokedAt !== null || isExpired(found.session.expiresAt, this.dependencies.now())) return invalid;
    return {
      outcome: 'caller',
      caller: {
        userId: found.user.id,
        role: found.user.role,
        method: 'session',
        keyId: null,
        sessionId: found.session.id,
        viaCookie: source === 'cookie',
        models: undefined,
        limits: undefined,
      },
    };
  }

  private async jsonWebToken(jwt: JwtVerifier, token: string): Promise<CredentialResult> {
    let identity;
    try {
      identity = await jwt.verify(token);
    } catch {
      return invalid;
    }
    const user = await this.dependencies.store.userForJwt(identity, this.dependencies.now().toISOString());
    return {
      outcome: 'caller',
      caller: {
        userId: user.id,
        role: 'user',
        method: 'jwt',
        keyId: null,
        sessionId: null,
        viaCookie: false,
        models: undefined,
        limits: undefined,
      },
    };
  }
}
