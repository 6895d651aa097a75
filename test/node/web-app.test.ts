import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { expectWebAppServed } from '../helpers/web-app-check.ts';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('the web app on Node (serveStatic over web/dist)', () => {
  it('serves the page at / with its security headers and its hashed assets, next to the API', async () => {
    app = await startTestApp();
    await expectWebAppServed((path) => app?.fetch(path) ?? Promise.reject(new Error('no app')));
  });

  it('serves the page and its assets without a credential while auth is required, and the API still asks for one', async () => {
    app = await startTestApp({ env: { AUTH_REQUIRED: 'true' } });
    await expectWebAppServed((path) => app?.fetch(path) ?? Promise.reject(new Error('no app')), {
      status: 401,
      code: 'UNAUTHORIZED',
    });
    expect((await app.fetch('/api/history')).status).toBe(401);
    expect((await app.fetch('/api/auth/me')).status).toBe(401);
  });

  it('serves no file outside the app paths, and no path that climbs out of web/dist', async () => {
    app = await startTestApp();
    for (const path of ['/_headers', '/vite.config.ts', '/src/main.tsx', '/assets/%2e%2e/%2e%2e/package.json']) {
      const response = await app.fetch(path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type'), path).toMatch(/^application\/json/);
    }
  });
});
