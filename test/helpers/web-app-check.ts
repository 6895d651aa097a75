/**
 * What every runtime must do with the web app (web/dist): the page at `/` with the security headers
 * of web/public/_headers (on Node, Bun and Deno they come from the secure-headers middleware, so this
 * also checks that the two agree), its hashed assets cached for good, and the API next to it.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/** The headers web/public/_headers gives every path (`/*`). */
function headersForEveryPath(): Record<string, string> {
  const text = readFileSync(new URL('../../web/public/_headers', import.meta.url), 'utf8');
  const block = /^\/\*\n((?: {2}.+\n)+)/m.exec(text)?.[1] ?? '';
  return Object.fromEntries(
    block
      .trim()
      .split('\n')
      .map((line) => {
        const [name = '', ...value] = line.trim().split(': ');
        return [name.toLowerCase(), value.join(': ')];
      }),
  );
}

/**
 * `unknownApiPath`: what an unknown API path answers there, 404, or 401 where auth is required (the
 * shipped wrangler.toml): either way the Worker's JSON, not the page.
 */
export async function expectWebAppServed(
  fetchPath: (path: string) => Promise<Response>,
  unknownApiPath: { status: number; code: string } = { status: 404, code: 'NOT_FOUND' },
): Promise<void> {
  const page = await fetchPath('/');
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  const expected = headersForEveryPath();
  expect(expected['content-security-policy']).toMatch(/^default-src 'self';/);
  for (const [name, value] of Object.entries(expected)) expect(page.headers.get(name), name).toBe(value);
  expect(page.headers.get('cache-control')).toBe('no-cache');
  const html = await page.text();
  expect(html).toContain('<div id="root"></div>');
  // Everything the page loads is on its own origin: no absolute URL, no inline script.
  expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  const script = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  expect(script).toBeDefined();
  const asset = await fetchPath(script ?? '');
  expect(asset.status).toBe(200);
  expect(asset.headers.get('content-type')).toMatch(/javascript/);
  expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  expect((await asset.text()).length).toBeGreaterThan(1000);

  const api = await fetchPath('/api/no-such-route');
  expect(api.status).toBe(unknownApiPath.status);
  expect(await api.json()).toMatchObject({ code: unknownApiPath.code });
  const health = await fetchPath('/health');
  expect(await health.json()).toMatchObject({ status: 'ok' });
}
