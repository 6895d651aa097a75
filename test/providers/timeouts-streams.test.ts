/**
 * Time limits (headers, first token, gap, total) and broken streams from cloud providers
 * (RELIABILITY.md cases 5–9, 11, 12).
 */
import { describe, expect, it } from 'vitest';
import { useCloudTestApp, type CloudTestApp } from '../helpers/cloud-test-app.ts';
import { readSse, type SseEvent } from '../helpers/test-app.ts';

const start = useCloudTestApp();

const SIX = ['one ', 'two ', 'three ', 'four ', 'five ', 'six'];
const tokensOf = (events: SseEvent[]) =>
  events.flatMap((event) => (typeof event.data?.['token'] === 'string' ? [event.data['token']] : []));
const dataOf = (events: SseEvent[]) => events.flatMap((event) => (event.data === undefined ? [] : [event.data]));

async function assistantRow(app: CloudTestApp) {
  const rows = await app.query<{
    content: string;
    status: string;
    error_code: string | null;
    input_tokens: number | null;
    output_tokens: number | null;
    cost_usd: number | null;
  }>("select content, status, error_code, input_tokens, output_tokens, cost_usd from messages where role = 'assistant'");
  expect(rows).toHaveLength(1);
  return rows[0];
}

/** 200 SSE with these tokens, then one error event with `code`, and no done event. */
async function expectStreamError(response: Response, code: string, tokens: string[]): Promise<SseEvent[]> {
  expect(response.status).toBe(200);
  const events = await readSse(response);
  expect(tokensOf(events)).toEqual(tokens);
  const data = dataOf(events);
  expect(data.at(-1)).toEqual({ error: expect.any(String), code });
  expect(data.some((event) => event['done'] === true)).toBe(false);
  expect(JSON.stringify(data.at(-1))).not.toMatch(/https?:|127\.0\.0\.1|secret/);
  return events;
}

describe('time to response headers (case 5)', () => {
  it.each([['/api/chat'], ['/api/chat/stream']])(
    '%s: answers 504 after OPENAI_HEADERS_TIMEOUT_SECONDS, closes the socket, and does not retry the same model',
    async (route) => {
      const app = await start({
        env: { OPENAI_HEADERS_TIMEOUT_SECONDS: '0.15', OPENAI_MAX_ATTEMPTS: '3' },
        openai: { fault: { kind: 'stall-before-headers' } },
      });
      const startedAt = Date.now();
      const response = await app.post(route, { message: 'Hi', model: 'openai/gpt-4o-mini' });
      expect(response.status).toBe(504);
      expect(((await response.json()) as { code: string }).code).toBe('TIMEOUT');
      expect(Date.now() - startedAt).toBeLessThan(1000);
      await app.openai.waitForAbort(1, 1000);
      expect(app.openai.hits('/v1/chat/completions')).toBe(1);
      expect(await assistantRow(app)).toMatchObject({ content: '', status: 'error', error_code: 'TIMEOUT' });
    },
  );

  it('moves on to the fallback model when the first sends no headers in time', async () => {
    const app = await start({
      env: { OPENAI_HEADERS_TIMEOUT_SECONDS: '0.1', MODEL_ALIASES: 'smart=openai/gpt-4o-mini,anthropic/claude-haiku-4-5' },
      openai: { fault: { kind: 'stall-before-headers' } },
    });
    const response = await app.post('/api/chat', { message: 'Hi', model: 'smart' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-model')).toBe('anthropic/claude-haiku-4-5');
    expect(response.headers.get('x-fallback-count')).toBe('1');
  });
});

describe('time to first token (case 6)', () => {
  it('sends keep-alive comments after the headers, then an SSE TIMEOUT error when no token comes', async () => {
    const app = await start({
      env: { KEEPALIVE_SECONDS: '0.05', OPENAI_FIRST_TOKEN_TIMEOUT_SECONDS: '0.4' },
      openai: { fault: { kind: 'stall-after-headers' } },
    });
    const response = await app.post('/api/chat/stream', { message: 'Hi', model: 'openai/gpt-4o-mini' });
    const events = await expectStreamError(response, 'TIMEOUT', []);
    expect(events.filter((event) => event.comment === 'keep-alive').length).toBeGreaterThanOrEqual(3);
    await app.openai.waitForAbort(1, 1000);
    expect(await assistantRow(app)).toMatchObject({ content: '', status: 'error', error_code: 'TIMEOUT' });
  });

  it('times out a slow first token on a first attempt, as configured', async () => {
    const app = await start({ env: { ANTHROPIC_FIRST_TOKEN_TIMEOUT_SECONDS: '0.15' }, anthropic: { firstTokenDelayMs: 500 } });
    const response = await app.post('/api/chat', { message: 'Hi', model: 'anthropic/claude-haiku-4-5' });
    expect(response.status).toBe(504);
  });

  it('falls back when the first model stays silent, gives the last model the time that is left, and names the finishing model in the done event', async () => {
    const app = await start({
      env: {
        MODEL_ALIASES: 'smart=openai/gpt-4o-mini,anthropic/claude-haiku-4-5',
        OPENAI_FIRST_TOKEN_TIMEOUT_SECONDS: '0.15',
        ANTHROPIC_FIRST_TOKEN_TIMEOUT_SECONDS: '0.15',
      },
      // OpenAI's role chunk, then silence.
      openai: { fault: { kind: 'stall-after-tokens', after: 0 } },
      anthropic: { firstTokenDelayMs: 400, tokens: ['late', ' but', ' here'] },
    });
    const response = await app.post('/api/chat/stream', { message: 'Hi', model: 'smart' });
    expect(response.status).toBe(200);
    // The stream started with the first model's first event; the done event names the model that answered.
    expect(response.headers.get('x-model')).toBe('openai/gpt-4o-mini');
    const events = await readSse(response);
    expect(tokensOf(events)).toEqual(['late', ' but', ' here']);
    expect(events.at(-1)?.data).toMatchObject({ done: true, model: 'anthropic/claude-haiku-4-5' });
    expect(await assistantRow(app)).toMatchObject({ content: 'late but here', status: 'complete' });
  });
});

describe('after the first token', () => {
  it('ends the stream with an SSE TIMEOUT error, keeps the partial answer and aborts the upstream when it stalls past the gap limit (case 7)', async () => {
    const app = await start({
      env: { OPENAI_TOKEN_GAP_TIMEOUT_SECONDS: '0.2', OPENAI_MAX_ATTEMPTS: '3' },
      openai: { tokens: SIX, fault: { kind: 'stall-after-tokens', after: 3 } },
    });
    await expectStreamError(
      await app.post('/api/chat/stream', { message: 'Hi', model: 'openai/gpt-4o-mini' }),
      'TIMEOUT',
      SIX.slice(0, 3),
    );
    await app.openai.waitForAbort(1, 1000);
    expect(app.openai.hits('/v1/chat/completions')).toBe(1);
    expect(await assistantRow(app)).toMatchObject({ content: 'one two three ', status: 'error', error_code: 'TIMEOUT' });
  });

  it('answers 504 on /api/chat for the same stall and stores the partial answer', async () => {
    const app = await start({
      env: { ANTHROPIC_TOKEN_GAP_TIMEOUT_SECONDS: '0.2' },
      anthropic: { tokens: SIX, fault: { kind: 'stall-after-tokens', after: 2 } },
    });
    const response = await app.post('/api/chat', { message: 'Hi', model: 'anthropic/claude-haiku-4-5' });
    expect(response.status).toBe(504);
    expect(await assistantRow(app)).toMatchObject({ content: 'one two ', status: 'error', error_code: 'TIMEOUT' });
  });

  it('lets a slow but steady stream finish: the gap limit is between tokens, not for the whole answer', async () => {
    const app = await start({ env: { OPENAI_TOKEN_GAP_TIMEOUT_SECONDS: '0.25' }, openai: { tokens: SIX, tokenDelayMs: 100 } });
    const response = await app.post('/api/chat/stream', { message: 'Hi', model: 'openai/gpt-4o-mini' });
    const events = await readSse(response);
    expect(tokensOf(events)).toEqual(SIX);
    expect(events.at(-1)?.data).toMatchObject({ done: true });
  });

  it('ends with an SSE TIMEOUT error when the whole answer takes longer than REQUEST_TIMEOUT_SECONDS', async () => {
    const app = await start({ env: { REQUEST_TIMEOUT_SECONDS: '0.35' }, openai: { tokens: SIX, tokenDelayMs: 100 } });
    const events = await readSse(await app.post('/api/chat/stream', { message: 'Hi', model: 'openai/gpt-4o-mini' }));
    expect(dataOf(events).at(-1)).toEqual({ error: expect.any(String), code: 'TIMEOUT' });
    expect(tokensOf(events).length).toBeGreaterThan(0);
    expect(tokensOf(events).length).toBeLessThan(SIX.length);
  });

  it.each([
    ['openai', 'openai/gpt-4o-mini'],
    ['anthropic', 'anthropic/claude-haiku-4-5'],
  ] as const)(
    '%s: a reset after 3 tokens ends the stream with UPSTREAM_ERROR, with no retry and no repeated text (case 8)',
    async (name, model) => {
      const app = await start({
        env: { OPENAI_MAX_ATTEMPTS: '3', ANTHROPIC_MAX_ATTEMPTS: '3' },
        [name]: { tokens: SIX, fault: { kind: 'reset-after-tokens', after: 3 } },
      });
      await expectStreamError(await app.post('/api/chat/stream', { message: 'Hi', model }), 'UPSTREAM_ERROR', SIX.slice(0, 3));
      expect(app[name].hits()).toBe(1);
      expect(await assistantRow(app)).toMatchObject({ content: 'one two three ', status: 'error', error_code: 'UPSTREAM_ERROR' });
    },
  );

  it.each([
    ['openai', 'openai/gpt-4o-mini'],
    ['anthropic', 'anthropic/claude-haiku-4-5'],
  ] as const)(
    '%s: an error event after 2 tokens ends the stream with an SSE error, not an empty complete answer (case 9)',
    async (name, model) => {
      const app = await start({
        [name]: {
          tokens: SIX,
          fault: { kind: 'error-after-tokens', after: 2, message: 'secret backend http://10.0.0.1 failed' },
        },
      });
      await expectStreamError(await app.post('/api/chat/stream', { message: 'Hi', model }), 'UPSTREAM_ERROR', SIX.slice(0, 2));
      expect(await assistantRow(app)).toMatchObject({ content: 'one two ', status: 'error', error_code: 'UPSTREAM_ERROR' });
    },
  );
});

describe('truncated streams and missing usage (cases 11, 12)', () => {
  it.each([
    ['openai', 'openai/gpt-4o-mini'],
    ['anthropic', 'anthropic/claude-haiku-4-5'],
  ] as const)('%s: a stream that ends before its finish is an error, stored with its partial text', async (name, model) => {
    const app = await start({ [name]: { tokens: SIX, fault: { kind: 'eof-before-done', after: 4 } } });
    await expectStreamError(await app.post('/api/chat/stream', { message: 'Hi', model }), 'UPSTREAM_ERROR', SIX.slice(0, 4));
    expect(await assistantRow(app)).toMatchObject({ content: 'one two three four ', status: 'error' });
  });

  it('openai: a stream with its finish_reason but without data: [DONE] is complete', async () => {
    const app = await start({ openai: { tokens: SIX, fault: { kind: 'no-done-marker' } } });
    const events = await readSse(await app.post('/api/chat/stream', { message: 'Hi', model: 'openai/gpt-4o-mini' }));
    expect(tokensOf(events)).toEqual(SIX);
    expect(events.at(-1)?.data).toMatchObject({ done: true, finish_reason: 'stop' });
    expect(await assistantRow(app)).toMatchObject({ status: 'complete', output_tokens: 6 });
  });

  it('retries a stream cut before any text', async () => {
    const app = await start({ env: { OPENAI_MAX_ATTEMPTS: '2' } });
    app.openai.enqueue({ fault: { kind: 'eof-before-done', after: 0 } });
    const response = await app.post('/api/chat', { message: 'Hi', model: 'openai/gpt-4o-mini' });
    expect(response.status).toBe(200);
    expect(app.openai.hits('/v1/chat/completions')).toBe(2);
  });

  it('stores NULL usage and NULL cost, never 0 or NaN, when the stream has no usage', async () => {
    const app = await start({ env: { MODEL_PRICES: 'groq/*=1/1' }, groq: { usage: false } });
    const response = await app.post('/api/chat', { message: 'Hi', model: 'groq/llama-3.1-8b-instant' });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { usage: unknown }).usage).toEqual({ input_tokens: null, output_tokens: null });
    expect(await assistantRow(app)).toMatchObject({
      status: 'complete',
      input_tokens: null,
      output_tokens: null,
      cost_usd: null,
    });
  });
});
