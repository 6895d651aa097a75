import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie } from 'hono/cookie';
import type { AppEnv } from '../app-env.ts';
import { AppError } from '../errors/app-error.ts';
import { anonymousCaller, localCaller, metricsCaller, type Caller } from './caller.ts';
import type { CredentialResult } from './credential-resolver.ts';
import { isCrossSiteCookieRequest } from './csrf.ts';
import { isPublicRoute } from './public-routes.ts';

export const sessionCookieName = 'session';

const challenge = { 'WWW-Authenticate': 'Bearer' };

export const unauthorized = (message: string) => new AppError('UNAUTHORIZED', message, { headers: challenge });

/** `Authorization: Bearer <token>` (the scheme is case-insensitive); undefined for none or another scheme. */
function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}

async function presentedCredential(c: Context<AppEnv>): Promise<CredentialResult | undefined> {
  const { credentials, config } = c.var.services;
  const authorization = c.req.header('authorization');
  const bearer = bearerToken(authorization);
  if (bearer !== undefined) return credentials.resolve(bearer, 'bearer');
  if (authorization !== undefined) return { outcome: 'placeholder' };
  const headerName = config.AUTH_JWT_HEADER;
  const assertion = headerName === undefined ? undefined : c.req.header(headerName);
  if (assertion !== undefined && assertion !== '') return credentials.resolve(assertion.trim(), 'jwt-header');
  const cookie = getCookie(c, sessionCookieName);
  if (cookie !== undefined && cookie !== '') {
    const result = await credentials.resolve(cookie, 'cookie');
    // A stale cookie would lock a browser out of every route: the 401 also clears it.
    if (result.outcome === 'invalid') deleteCookie(c, sessionCookieName, { path: '/' });
    return result;
  }
  return undefined;
}

/**
 * The one authentication middleware (API.md § Auth): sets `caller` on the context. Routes read the
 * caller and never look at credentials themselves.
 * - A valid credential (API key, session token or cookie, admin key, JWT) makes the request that
 *   principal whether or not auth is required.
 * - An `ela_`/`els_` token, session cookie or JWT that is unknown, wrong, expired or revoked is 401.
 * - No credential, or a placeholder bearer (`unused`): 401 when AUTH_REQUIRED, else the local user.
 * - Public routes need nothing; a cookie-only state-changing request from a foreign origin is 403.
 */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (isPublicRoute(c.req.method, c.req.path)) {
    c.set('caller', anonymousCaller);
    return next();
  }
  const { config, credentials } = c.var.services;
  if (c.req.path === '/metrics' && config.METRICS_TOKEN !== undefined) {
    // A scraper's token opens the metrics and nothing else; no other credential does while it is set.
    const token = bearerToken(c.req.header('authorization'));
    if (token === undefined || !(await credentials.isMetricsToken(token))) throw unauthorized('METRICS_TOKEN is required');
    c.set('caller', metricsCaller);
    return next();
  }
  const result = await presentedCredential(c);
  let caller: Caller;
  if (result?.outcome === 'caller') {
    caller = result.caller;
    if (result.afterResponse) c.var.runInBackground(result.afterResponse());
  } else if (result?.outcome === 'invalid') {
    throw unauthorized('The credential is invalid, expired or revoked');
  } else if (config.AUTH_REQUIRED) {
    throw unauthorized('Authentication required: send Authorization: Bearer <API key or token>');
  } else {
    caller = localCaller;
  }
  if (caller.viaCookie && isCrossSiteCookieRequest(c, config.CORS_ORIGINS)) {
    throw new AppError('FORBIDDEN', 'A cookie-authenticated request from another site is refused (send a bearer token)');
  }
  c.set('caller', caller);
  await next();
};

/** Admin-only routes and fields: 403 for everyone else. */
export function requireAdmin(caller: Caller, what: string): void {
  if (caller.role !== 'admin') throw new AppError('FORBIDDEN', `${what} is for admins only`);
}
