import type { Context } from 'hono';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A state-changing request authenticated by the session cookie alone whose `Origin` is neither this
 * app's own nor one of CORS_ORIGINS (API.md § Auth). Not `hono/csrf`: it only checks form and text
 * content types (a JSON POST needs a CORS preflight, which it leaves to the browser), while the contract
 * refuses every cross-site cookie write; a request without `Origin` (not from a browser's cross-site
 * fetch) is let through, as Hono's does.
 */
export function isCrossSiteCookieRequest(c: Context, allowedOrigins: '*' | string[] | undefined): boolean {
  if (safeMethods.has(c.req.method)) return false;
  const origin = c.req.header('origin');
  if (origin === undefined) return false;
  if (origin === new URL(c.req.url).origin) return false;
  // `*` never allows credentials (browsers refuse them with it), so it does not make a cookie request safe.
  return !(Array.isArray(allowedOrigins) && allowedOrigins.includes(origin));
}
