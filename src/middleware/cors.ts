import type { Context, MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

/** Headers a browser app on another origin may read (API.md § CORS). */
export const exposedHeaders = [
  'X-Request-Id',
  'X-Conversation-Id',
  'X-Model',
  'X-Fallback-Count',
  'Retry-After',
  'X-RateLimit-Limit-Requests',
  'X-RateLimit-Remaining-Requests',
  'X-RateLimit-Reset-Requests',
  'X-RateLimit-Limit-Tokens',
  'X-RateLimit-Remaining-Tokens',
  'X-RateLimit-Reset-Tokens',
];

const allowedHeaders = ['authorization', 'content-type', 'x-request-id', 'x-conversation-id'];
const allowedMethods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'];

const isPreflight = (c: Context) => c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined;

/** Without CORS_ORIGINS a preflight still gets an answer (a bare 204, which the browser treats as "not allowed"). */
const noCors: MiddlewareHandler = (c, next) => (isPreflight(c) ? Promise.resolve(c.body(null, 204)) : next());

/**
 * CORS from CORS_ORIGINS (API.md § CORS): unset, no CORS headers; `*`, any origin without credentials;
 * a list, those origins exactly, echoed with credentials allowed. Hono's `cors` writes the headers, but
 * it also sets `Access-Control-Allow-Credentials` and `-Expose-Headers` for an origin it does not allow,
 * so it only runs for an allowed one: a disallowed origin gets no `Access-Control-*` header at all, and a
 * preflight from it gets a bare 204. Preflights are answered before authentication.
 */
export function corsFor(origins: '*' | string[] | undefined): MiddlewareHandler {
  if (origins === undefined) return noCors;
  const options = { allowHeaders: allowedHeaders, allowMethods: allowedMethods, exposeHeaders: exposedHeaders, maxAge: 600 };
  if (origins === '*') return cors({ origin: '*', ...options });
  const allowed = new Set(origins);
  const listed = cors({ origin: (origin) => (allowed.has(origin) ? origin : null), credentials: true, ...options });
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (origin !== undefined && allowed.has(origin)) return listed(c, next);
    if (isPreflight(c)) return c.body(null, 204, { Vary: 'Origin' });
    await next();
    // The answer depends on Origin, so caches must keep one per origin.
    c.header('Vary', 'Origin', { append: true });
  };
}
