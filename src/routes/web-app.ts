import type { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.ts';

/** Sets headers on what the file handler found (a miss falls through to the JSON 404 untouched). */
const onFound =
  (headers: Record<string, string>): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    await next();
    if (c.res.status !== 200) return;
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  };

// A new build must reach the browser at once: the page is checked every time, its assets are not.
const pageHeaders = onFound({ 'Cache-Control': 'no-cache' });
/** Built files are named by their content hash (Vite), so they never change under their name. */
const hashedAssetHeaders = onFound({ 'Cache-Control': 'public, max-age=31536000, immutable' });
const otherFileHeaders = onFound({ 'Cache-Control': 'public, max-age=3600' });

/**
 * The chat web app (web/, built into web/dist) at `/`. `serveFiles` is the runtime's own serveStatic
 * over that folder, passed in by the Node, Bun and Deno entries; on Workers the `[assets]` of
 * wrangler.toml serve the files before the Worker runs, and `serveFiles` is absent. Registered before
 * the authentication middleware (the pages are public: the app signs in through the API) and after the
 * security headers, whose Content-Security-Policy (`default-src 'self'`, src/middleware/secure-headers.ts)
 * the pages get like every response; web/public/_headers gives Workers the same. Only the app's own
 * paths are served, none of which is an API path.
 */
export function registerWebApp(app: OpenAPIHono<AppEnv>, serveFiles: MiddlewareHandler | undefined): void {
  if (serveFiles === undefined) return;
  app.get('/', pageHeaders, serveFiles);
  app.get('/index.html', pageHeaders, serveFiles);
  app.get('/assets/*', hashedAssetHeaders, serveFiles);
  app.get('/favicon.svg', otherFileHeaders, serveFiles);
}
