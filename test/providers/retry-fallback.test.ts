/**
 * The one retry layer: exact upstream hits for each fault, Retry-After, fallback chains, the total
 * deadline (RELIABILITY.md cases 1–4).
 */
import { describe, expect, it } from 'vitest';
import { unusedLocalUrl } from '../helpers/fake-ollama.ts';
import { OPENAI_KEY, useCloudTestApp, type CloudTestApp } from '../helpers/cloud-test-app.ts';
import { eventually, readSse } from '../helpers/test-app.ts';

const start = useCloudTestApp();

const chain = 'smart=openai/gpt-4o-mini,anthropic/claude-haiku-4-5';
const completions = '/v1/chat/completions';

interface ErrorBody {
  error: string;
  code: string;
}

async function errorOf(response: Response, status: number, code: string): Promise<ErrorBody> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  const body = JSON.parse(text) as ErrorBody;
  expect(body.code).toBe(code);
  expect(text).not.toMatch(/https?:\/\/|127\.0\.0\.1|sk-|org-|Incorrect API key|Rate limit reached/);
  return body;
}

/** The gap between two consecutive hits on a fake, in milliseconds. */
const gapBetween = (app: CloudTestApp, first: number) =>
  (app.openai.requests[first + 1]?.receivedAt ?? NaN) - (app.openai.requests[first]?.receivedAt ?? NaN);

describe('connection failures (case 1)', () => {
  it('answers 503 after exactly OPENAI_MAX_ATTEMPTS hits when the connection drops without an answer, storing the user message once', async () => {
    const app = await start({ env: { OPENAI_MAX_ATTEMPTS: '3' }, openai: { fault: { kind: 'refuse' } } });
    await errorOf(await app.post('/api/chat', { message: 'Hi', model: 'openai/gpt-4o-mini' }), 503, 'SERVICE_UNAVAILABLE');
    expect(app.openai.hits(completions)).toBe(3);
    const rows = await app.query<{ role: string; content: string; status: string }>(
      'select role, content, status from messages order by sequence',
    );
    expect(rows).toEqual([
      { role: 'user', content: 'Hi', status: 'complete' },
      { role: 'assistant', content: '', status: 'error' },
    ]);
  });

  it('gives up inside REQUEST_TIMEOUT_SECONDS when the backoff would not fit, answering with the last error', async () => {
    const app = await start({
      env: {
        OPENAI_BASE_URL: `${await unusedLocalUrl()}/v1`,
        OPENAI_MAX_ATTEMPTS: '10',
        RETRY_BASE_DELAY_MS: '150',
        RETRY_MAX_DELAY_MS: '150',
        REQUEST_TIMEOUT_SECONDS: '0.5',
      },
    });
    const startedAt = Date.now();
    await errorOf(await app.post('/api/generate', { prompt: 'Hi', model: 'openai/gpt-4o' }), 503, 'SERVICE_UNAVAILABLE');
    const elapsed = Date.now() - startedAt;
    expect(elapsed).toBeLessThan(800);
    // Several retries did fit (each backoff is 75–150 ms).
    expect(elapsed).toBeGreaterThanOrEqual(150);
  });

  it('falls back to the next model of the chain when every attempt fails to connect', async () => {
    const app = await start({ env: { MODEL_ALIASES: chain, OPENAI_MAX_ATTEMPTS: '2' }, openai: { fault: { kind: 'refuse' } } });
    const response = await app.post('/api/generate', { prompt: 'Hi', model: 'smart' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-model')).toBe('anthropic/claude-haiku-4-5');
    expect(response.headers.get('x-fallback-count')).toBe('1');
    expect([app.openai.hits(completions), app.anthropic.hits('/v1/messages')]).toEqual([2, 1]);
  });
});

describe('rate limits (case 2)', () => {
  it('waits for retry-after-ms and tries again', async () => {
    const app = await start({ env: { OPENAI_MAX_ATTEMPTS: '2' } });
    app.openai.enqueue({ fault: { kind: 'http-error', status: 429, headers: { 'retry-after-ms': '150', 'retry-after': '1' } } });
    const response = await app.post('/api/generate', { prompt: 'Hi', model: 'openai/gpt-4o-mini' });
    expect(response.status).toBe(200);
    expect(app.openai.hits(completions)).toBe(2);
    expect(gapBetween(app, 0)).toBeGreaterThanOrEqual(140);
    expect(gapBetween(app, 0)).toBeLessThan(900);
  });

  it('honours Retry-After in seconds when the deadline allows', async () => {
    const app = await start({ env: { OPENAI_MAX_ATTEMPTS: '2' } });
    app.openai.enqueue({ fault: { kind: 'http-error', status: 429, headers: { 'retry-after': '1' } } });
    const response = await app.post('/api/generate', { prompt: 'Hi', model: 'openai/gpt-4o-mini' });
    expect(response.status).toBe(200);
    expect(gapBetween(app, 0)).toBeGreaterThanOrEqual(990);
  });

  it.each([
    ['longer than RETRY_AFTER_MAX_SECONDS', { RETRY_AFTER_MAX_SECONDS: '10' }, '30'],
    ['past the deadline', { REQUEST_TIMEOUT_SECONDS: '2' }, '5'],
  ])('answers 429 RATE_LIMIT with the Retry-After at once when the wait is %s', async (_case, env, retryAfter) => {
    const app = await start({
      env: { OPENAI_MAX_ATTEMPTS: '3', ...env },
      openai: { fault: { kind: 'http-error', status: 429, headers: { 'retry-after': retryAfter } } },
    });
    const startedAt = Date.now();
    const response = await app.post('/api/chat', { message: 'Hi', model: 'openai/gpt-4o-mini' });
    expect(response.headers.get('retry-after')).toBe(retryAfter);
    await errorOf(response, 429, 'RATE_LIMIT');
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(app.openai.hits(completions)).toBe(1);
  });

  it('uses the fallback model instead of waiting, and says so in the headers', async () => {
    const app = await start({
      env: { MODEL_ALIASES: chain },
      openai: { fault: { kind: 'http-error', status: 429, headers: { 'retry-after': '20' } } },
    });
    const response = await app.post('/api/chat', { message: 'Hi', model: 'smart' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-model')).toBe('anthropic/claude-haiku-4-5');
    expect(response.headers.get('x-fallback-count')).toBe('1');
    expect(((await response.json()) as { model: string }).model).toBe('anthropic/claude-haiku-4-5');
    expect([app.openai.hits(completions), app.anthropic.hits('/v1/messages')]).toEqual([1, 1]);
  });
});

describe('server errors (case 3)', () => {
  it.each([[500], [502], [503], [504]])('retries an OpenAI %i and answers from the second attempt', async (status) => {
    const app = await start({ env: { OPENAI_MAX_ATTEMPTS: '3' } });
    app.openai.enqueue({ fault: { kind: 'http-error', status } });
    const response = await app.post('/api/generate', { prompt: 'Hi', model: 'openai/gpt-4o-mini' });
    expect(response.status).toBe(200);
    expect(app.openai.hits(completions)).toBe(2);
  });

  it("retries Anthropic's 529 overloaded", async () => {
    const app = await start({ env: { ANTHROPIC_MAX_ATTEMPTS: '2' } });
    app.anthropic.enqueue({ fault: { kind: 'http-error', status: 529 } });
    const response = await app.post('/api/generate', { prompt: 'Hi', model: 'anthropic/claude-sonnet-4-5' });
    expect(response.status).toBe(200);
    expect(app.anthropic.hits('/v1/messages')).toBe(2);
  });

  it('makes exactly MAX_ATTEMPTS calls per model, then falls back (503 ×3, then the fallback answers)', async () => {
    const app = await start({
      env: { MODEL_ALIASES: chain, OPENAI_MAX_ATTEMPTS: '3' },
      openai: { fault: { kind: 'http-error', status: 503 } },
    });
    const response = await app.post('/api/chat/stream', { message: 'Hi', model: 'smart' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-model')).toBe('anthropic/claude-haiku-4-5');
    expect(response.headers.get('x-fallback-count')).toBe('1');
    const events = await readSse(response);
    expect(events.at(-1)?.data).toMatchObject({ done: true, model: 'anthropic/claude-haiku-4-5' });
    expect([app.openai.hits(completions), app.anthropic.hits('/v1/messages')]).toEqual([3, 1]);
  });

  it('makes one call when attempts are 1 (no hidden SDK retries), and answers with the mapped error', async () => {
    const app = await start({ env: { OPENAI_MAX_ATTEMPTS: '1' }, openai: { fault: { kind: 'http-error', status: 503 } } });
    await errorOf(await app.post('/api/generate', { prompt: 'Hi', model: 'openai/gpt-4o-mini' }), 503, 'SERVICE_UNAVAILABLE');
    expect(app.openai.hits(completions)).toBe(1);
  });

  it('stops retrying when the client leaves during the backoff, and stores the turn as aborted', async () => {
    const app = await start({
      env: { OPENAI_MAX_ATTEMPTS: '3', RETRY_BASE_DELAY_MS: '600', RETRY_MAX_DELAY_MS: '600' },
      openai: { fault: { kind: 'http-error', status: 503 } },
    });
    const controller = new AbortController();
    const pending = app
      .post('/api/chat', { message: 'Hi', model: 'openai/gpt-4o-mini' }, { signal: controller.signal })
      .catch(() => undefined);
    await eventually(() => Promise.resolve(app.openai.hits() === 1 ? true : undefined));
    controller.abort();
    await pending;
    const row = await eventually(
      async () => (await app.query<{ status: string }>("select status from messages where role = 'assistant'"))[0],
    );
    expect(row.status).toBe('aborted');
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(app.openai.hits()).toBe(1);
  });

  it('retries Ollama when RETRY_MAX_ATTEMPTS asks for it (Ollama defaults to one attempt)', async () => {
    const app = await start({ env: { RETRY_MAX_ATTEMPTS: '2' } });
    app.ollama.enqueue({ fault: { kind: 'http-error', status: 500, body: '{"error":"llama runner process has terminated"}' } });
    const response = await app.post('/api/generate', { prompt: 'Hi' });
    expect(response.status).toBe(200);
    expect(app.ollama.hits('/api/chat')).toBe(2);
  });
});

describe('errors that are not retried (case 4)', () => {
  it.each([
    [400, 400, 'INVALID_INPUT'],
    [401, 502, 'UPSTREAM_ERROR'],
    [403, 502, 'UPSTREAM_ERROR'],
    [404, 404, 'NOT_FOUND'],
  ])('makes exactly one call on an upstream %i and answers %i %s', async (upstream, status, code) => {
    const app = await start({ env: { OPENAI_MAX_ATTEMPTS: '3' }, openai: { fault: { kind: 'http-error', status: upstream } } });
    await errorOf(await app.post('/api/chat', { message: 'Hi', model: 'openai/gpt-4o' }), status, code);
    expect(app.openai.hits(completions)).toBe(1);
  });

  it('turns a rejected API key into 502, never a client-facing 401, without the key or the URL from the upstream message', async () => {
    const app = await start({ env: { OPENAI_API_KEY: 'sk-wrong-key-123' } });
    const response = await app.post('/api/chat/stream', { message: 'Hi', model: 'openai/gpt-4o-mini' });
    const body = await errorOf(response, 502, 'UPSTREAM_ERROR');
    expect(JSON.stringify(body)).not.toContain('sk-wrong-key-123');
    expect(body.error).toMatch(/API key/);
    expect(app.openai.requests[0]?.headers['authorization']).toBe('Bearer sk-wrong-key-123');
    expect(OPENAI_KEY).not.toBe('sk-wrong-key-123');
  });

  it('does not fall back on a 400 (the request itself is refused), but does on 401 and 404', async () => {
    const app = await start({ env: { MODEL_ALIASES: chain } });
    app.openai.enqueue({ fault: { kind: 'http-error', status: 400 } });
    await errorOf(await app.post('/api/generate', { prompt: 'Hi', model: 'smart' }), 400, 'INVALID_INPUT');
    expect(app.anthropic.hits()).toBe(0);

    for (const status of [401, 404]) {
      app.openai.enqueue({ fault: { kind: 'http-error', status } });
      const response = await app.post('/api/generate', { prompt: 'Hi', model: 'smart' });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-fallback-count')).toBe('1');
    }
    expect([app.openai.hits(completions), app.anthropic.hits('/v1/messages')]).toEqual([3, 2]);
  });

  it('answers 404 when every model of the chain is missing upstream, after one call each', async () => {
    const app = await start({ env: { MODEL_ALIASES: 'local=ollama/nope-1,ollama/nope-2' } });
    await errorOf(await app.post('/api/chat', { message: 'Hi', model: 'local' }), 404, 'NOT_FOUND');
    expect(app.ollama.requests.map((request) => (request.body as { model: string }).model)).toEqual(['nope-1', 'nope-2']);
  });
});
