import { afterEach, describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };
import { unusedLocalUrl } from './helpers/fake-ollama.ts';
import { tagEntry } from './helpers/fake-ollama-wire.ts';
import { startTestApp, type TestApp, type TestAppOptions } from './helpers/test-app.ts';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let api: TestApp | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});
async function start(options: TestAppOptions = {}): Promise<TestApp> {
  api = await startTestApp(options);
  return api;
}
const startWithOllamaDown = async () => start({ ollamaUrl: await unusedLocalUrl() });

async function json(response: Response, status: number): Promise<Record<string, unknown>> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return JSON.parse(text) as Record<string, unknown>;
}

/** What /api/models should report for a model the fake Ollama has installed. */
function expectedModel(name: string) {
  const tag = tagEntry(name);
  return {
    name: `ollama/${name}`,
    provider: 'ollama',
    modified_at: tag['modified_at'],
    size: tag['size'],
    size_bytes: tag['size'],
    details: tag['details'],
  };
}

describe('GET /api/models and /models', () => {
  it.each([['/api/models'], ['/models']])("%s lists Ollama's installed models as provider/model", async (path) => {
    const app = await start();
    const body = await json(await app.fetch(path), 200);
    expect(body).toEqual({ models: [expectedModel('llama3.2:latest'), expectedModel('llama3.2:1b')] });
    expect(app.ollama.hits('/api/tags')).toBe(1);

    app.ollama.setModels(['qwen3:8b']);
    expect(await json(await app.fetch(path), 200)).toEqual({ models: [expectedModel('qwen3:8b')] });
    app.ollama.setModels([]);
    expect(await json(await app.fetch(path), 200)).toEqual({ models: [] });
  });

  it.each([['/api/models'], ['/models']])('%s answers 503 SERVICE_UNAVAILABLE when Ollama is down', async (path) => {
    const app = await startWithOllamaDown();
    const body = await json(await app.fetch(path), 503);
    expect(Object.keys(body).sort()).toEqual(['code', 'details', 'error', 'request_id']);
    expect(body['code']).toBe('SERVICE_UNAVAILABLE');
  });

  it('answers 502 UPSTREAM_ERROR when the Ollama address answers /api/tags with an error page', async () => {
    const first = await start();
    // Pointed below a path where the fake serves its plain-text 404 page.
    const misconfigured = await startTestApp({ ollamaUrl: `${first.ollama.url}/nowhere` });
    try {
      const body = await json(await misconfigured.fetch('/api/models'), 502);
      expect(body['code']).toBe('UPSTREAM_ERROR');
      expect(first.ollama.hits('/nowhere/api/tags')).toBe(1);
    } finally {
      await misconfigured.close();
    }
  });
});

describe('health', () => {
  it.each([['/health'], ['/health/live']])('%s answers {status:"ok", timestamp} without touching anything', async (path) => {
    const app = await start();
    const body = await json(await app.fetch(path), 200);
    expect(Object.keys(body).sort()).toEqual(['status', 'timestamp']);
    expect(body['status']).toBe('ok');
    expect(body['timestamp']).toMatch(ISO);
    expect(app.ollama.hits()).toBe(0);
  });

  it('/health and /health/live stay ok while Ollama is down', async () => {
    const app = await startWithOllamaDown();
    expect((await json(await app.fetch('/health'), 200))['status']).toBe('ok');
    expect((await json(await app.fetch('/health/live'), 200))['status']).toBe('ok');
  });

  it('/health/ready answers 200 ready with database and Ollama checks', async () => {
    const app = await start();
    const body = await json(await app.fetch('/health/ready'), 200);
    expect(Object.keys(body).sort()).toEqual(['checks', 'status']);
    expect(body).toEqual({
      status: 'ready',
      checks: {
        database: { ok: true, latency_ms: expect.any(Number) as number },
        providers: { ollama: { ok: true, latency_ms: expect.any(Number) as number } },
      },
    });
    expect(app.ollama.hits('/api/version')).toBe(1);
  });

  it('/health/ready answers 503 not_ready when Ollama is down', async () => {
    const app = await startWithOllamaDown();
    const body = await json(await app.fetch('/health/ready'), 503);
    expect(body).toEqual({
      status: 'not_ready',
      checks: {
        database: { ok: true, latency_ms: expect.any(Number) as number },
        providers: { ollama: { ok: false, latency_ms: expect.any(Number) as number, error: 'SERVICE_UNAVAILABLE' } },
      },
    });
  });

  it('/api/health is healthy with the version, and degraded (still 200) when Ollama is down', async () => {
    const app = await start();
    const healthy = await json(await app.fetch('/api/health'), 200);
    expect(Object.keys(healthy).sort()).toEqual(['checks', 'status', 'timestamp', 'version']);
    expect(healthy).toMatchObject({
      status: 'healthy',
      version: packageJson.version,
      checks: { database: { ok: true }, providers: { ollama: { ok: true } } },
    });
    expect(healthy['timestamp']).toMatch(ISO);
    await app.close();

    const down = await startWithOllamaDown();
    const degraded = await json(await down.fetch('/api/health'), 200);
    expect(degraded).toMatchObject({
      status: 'degraded',
      version: packageJson.version,
      checks: { database: { ok: true }, providers: { ollama: { ok: false, error: 'SERVICE_UNAVAILABLE' } } },
    });
  });
});

describe('X-Request-Id', () => {
  const requests: [string, RequestInit?][] = [
    ['/health'],
    ['/health/ready'],
    ['/api/health'],
    ['/api/models'],
    ['/api/history'],
    ['/api/history/not-a-uuid'],
    ['/no/such/route'],
    ['/api/chat', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"Hi"}' }],
    ['/api/chat/stream', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"Hi"}' }],
    ['/api/chat', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'Hi' }],
    ['/api/generate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }],
  ];

  it('is on every response, unique per request, and matches request_id in error bodies', async () => {
    const app = await start();
    const seen = new Set<string>();
    for (const [path, init] of requests) {
      const response = await app.fetch(path, init);
      const id = response.headers.get('x-request-id');
      expect(id, path).toMatch(/^[\w=-]{8,255}$/);
      seen.add(id ?? '');
      const text = await response.text();
      if (response.status >= 400) expect((JSON.parse(text) as { request_id: unknown }).request_id, path).toBe(id);
    }
    expect(seen.size).toBe(requests.length);
  });

  it('echoes a sane incoming X-Request-Id', async () => {
    const app = await start();
    for (const sane of ['abc-123', 'trace_ID=42', 'a'.repeat(255)]) {
      const response = await app.fetch('/health', { headers: { 'X-Request-Id': sane } });
      expect(response.headers.get('x-request-id')).toBe(sane);
    }
    const error = await app.fetch('/api/history/nope', { headers: { 'X-Request-Id': 'client-trace-7' } });
    expect(error.headers.get('x-request-id')).toBe('client-trace-7');
    expect(((await error.json()) as { request_id: string }).request_id).toBe('client-trace-7');
  });

  it('replaces an insane incoming X-Request-Id', async () => {
    const app = await start();
    for (const insane of ['has spaces in it', 'x'.repeat(300), 'semi;colon', '<script>', 'ünïcode']) {
      const response = await app.fetch('/health', { headers: { 'X-Request-Id': insane } });
      const id = response.headers.get('x-request-id');
      expect(id).not.toBe(insane);
      expect(id).toMatch(/^[\w=-]{8,255}$/);
    }
  });
});
