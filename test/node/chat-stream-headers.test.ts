import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { sseRoutes } from '../suites/stream-headers.ts';

let api: TestApp | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** The raw response header lines of a streamed answer, as Node received them (duplicates kept). */
function rawStreamHeaders(app: TestApp, path = '/api/chat/stream', payload: unknown = { message: 'Hi' }): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(payload);
    const req = httpRequest(
      `${app.url}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.rawHeaders));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The values of one header, each line as sent. */
const valuesOf = (raw: string[], name: string) =>
  raw.filter((_, index) => index % 2 === 1 && raw[index - 1]?.toLowerCase() === name);

// Node only: fetch folds duplicate header lines, so only a socket-level client can count them.
describe('POST /api/chat/stream on Node', () => {
  it('sends no Connection header of its own: at most the server one, the same as on other responses', async () => {
    const app = (api = await startTestApp());
    const raw = await rawStreamHeaders(app);
    const names = raw.filter((_, index) => index % 2 === 0).map((name) => name.toLowerCase());
    expect(names.filter((name) => name === 'connection').length).toBeLessThanOrEqual(1);
    const connection = raw[names.indexOf('connection') * 2 + 1];
    const health = await app.fetch('/health');
    expect(connection).toBe(health.headers.get('connection') ?? undefined);
  });
});

describe('SSE routes on the wire (what nginx in front of the API reads)', () => {
  for (const { path, body } of sseRoutes) {
    it(`${path}: sends X-Accel-Buffering: no and Content-Encoding: identity once each`, async () => {
      const app = (api = await startTestApp());
      const raw = await rawStreamHeaders(app, path, body);
      expect(valuesOf(raw, 'x-accel-buffering')).toEqual(['no']);
      expect(valuesOf(raw, 'content-encoding')).toEqual(['identity']);
      expect(valuesOf(raw, 'cache-control')).toEqual(['no-cache, no-transform']);
    });
  }
});
