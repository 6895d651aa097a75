/**
 * The web app on Workers as `wrangler dev` and a deploy serve it: wrangler.toml's `[assets]`
 * (web/dist, with web/public/_headers) in front of the Worker. The vitest pool's `exports.default`
 * reaches the Worker without the assets, so this runs wrangler's own test harness (workerd with the
 * asset router) from Node: a file is answered by the assets, every other path (the API) runs the Worker.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createTestHarness, type TestHarness } from 'wrangler';
import { expectWebAppServed } from './helpers/web-app-check.ts';

let server: TestHarness;

beforeAll(async () => {
  server = createTestHarness({
    root: fileURLToPath(new URL('..', import.meta.url)),
    workers: [{ configPath: './wrangler.toml' }],
  });
  await server.listen();
}, 60_000);
afterAll(async () => {
  await server.close();
});

describe('the web app on Workers (static assets in front of the Worker)', () => {
  it('serves the page at / with its security headers and its hashed assets without a credential, while API paths reach the Worker', async () => {
    // Miniflare's Response class is its own: read into the global one. The shipped wrangler.toml requires
    // auth: the page and its assets are public, an API path without a credential is the Worker's 401.
    await expectWebAppServed(
      async (path) => {
        const response = await server.fetch(path);
        return new Response(await response.arrayBuffer(), { status: response.status, headers: [...response.headers] });
      },
      { status: 401, code: 'UNAUTHORIZED' },
    );
  });
});
