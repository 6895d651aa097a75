import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

let api: TestApp | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** The raw response header lines of a streamed chat, as Node received them (duplicates kept). */
function rawStreamHeaders(app: TestApp): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ message: 'Hi' });
    const req = httpRequest(
      `${app.url}/api/chat/stream`,
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
