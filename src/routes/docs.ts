import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { App } from '../app.ts';
import { version } from './health.ts';

/**
 * The page at /docs loads Scalar's API reference from its CDN (jsdelivr) and reads /openapi.json: the
 * one page of this API that loads anything from another origin, so it gets its own policy.
 */
const docsPolicy = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
  "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com",
  "font-src 'self' data: https://cdn.jsdelivr.net https://fonts.gstatic.com",
  "img-src 'self' data: https:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
].join('; ');

let scalar: Promise<MiddlewareHandler<AppEnv>> | undefined;

/** Scalar's page handler, loaded on the first request to /docs: nothing of it is in memory before. */
function docsPage(): Promise<MiddlewareHandler<AppEnv>> {
  scalar ??= import('@scalar/hono-api-reference').then(
    // Scalar's middleware is typed for Hono's default environment; it reads nothing of ours.
    ({ Scalar }) => Scalar({ url: '/openapi.json', pageTitle: 'edge-llm-api' }) as unknown as MiddlewareHandler<AppEnv>,
  );
  return scalar;
}

/** GET /openapi.json (OpenAPI 3.1 from the route schemas) and GET /docs (a page that renders it); both public. */
export function serveApiDescription(app: App): void {
  app.doc31('/openapi.json', (c) => ({
    openapi: '3.1.0',
    info: {
      title: 'edge-llm-api',
      version,
      description:
        'A small HTTP API in front of language models: chat with history, stateless generation, an OpenAI-compatible `/v1`, ' +
        'keys and sessions, usage and limits. Errors are `{"error","code","request_id","details"}` (OpenAI\'s shape under `/v1`).',
    },
    servers: [{ url: new URL(c.req.url).origin }],
  }));
  app.get('/docs', async (c, next) => {
    const page = await (await docsPage())(c, next);
    if (!(page instanceof Response)) return c.res;
    page.headers.set('Content-Security-Policy', docsPolicy);
    return page;
  });
}
