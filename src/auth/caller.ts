import { ADMIN_USER_ID, LOCAL_USER_ID, type KeyLimits, type UserRole } from '../db/auth-schema.ts';

/** How the caller proved who it is (`auth` in GET /api/auth/me). */
export type AuthMethod = 'none' | 'api_key' | 'session' | 'jwt' | 'admin_key' | 'metrics_token';

/** Who makes the request, set on the context by the one authentication middleware; routes read it. */
export interface Caller {
  userId: string;
  role: UserRole;
  method: AuthMethod;
  /** The API key used, if any. */
  keyId: string | null;
  /** The login session used, if any (logout revokes it). */
  sessionId: string | null;
  /** True when only the session cookie authenticated the request (the case CSRF checks apply to). */
  viaCookie: boolean;
  /** Models the key may call (`provider/model` or aliases); undefined: any. */
  models: readonly string[] | undefined;
  /** The key's own limits, replacing the configured defaults; undefined: the defaults. */
  limits: KeyLimits | undefined;
}

const base = { keyId: null, sessionId: null, viaCookie: false, models: undefined, limits: undefined } as const;

/** A request without a credential while auth is off (API.md): the local admin user. */
export const localCaller: Caller = { ...base, userId: LOCAL_USER_ID, role: 'admin', method: 'none' };

/** The `ADMIN_API_KEY` bearer. */
export const adminKeyCaller: Caller = { ...base, userId: ADMIN_USER_ID, role: 'admin', method: 'admin_key' };

/** GET /metrics with the METRICS_TOKEN bearer: may read the metrics, nothing else. */
export const metricsCaller: Caller = { ...base, userId: '', role: 'user', method: 'metrics_token' };

/** A request on a public route that brought no usable credential. */
export const anonymousCaller: Caller = { ...base, userId: '', role: 'user', method: 'none' };

export const isAdmin = (caller: Caller) => caller.role === 'admin';
