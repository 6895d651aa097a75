/**
 * Rate limits, concurrent streams and token budgets (API.md § Limits and usage): 429 RATE_LIMIT before
 * any model call with Retry-After, the X-RateLimit-* headers, slots that come back, per-key limits, and
 * concurrent callers that never get past a limit.
 */
import { describe, expect, it } from 'vitest';
import { eventually, readSse, sleep } from '../helpers/sse.ts';
import { adminKey, authRequired, bearer, createKey } from './auth-support.ts';
import { useHarness, type CreateHarness, type Harness } from './harness.ts';

const limited = (extra: Record<string, string> = {}) => ({ RATE_LIMIT_ENABLED: 'true', ...extra });

/** Waits until the current minute has room for a test that must stay inside one request window. */
async function freshMinute(): Promise<void> {
  const second = new Date().getUTCSeconds();
  if (second >= 50) await sleep((61 - second) * 1000);
}

const generate = (app: Harness, headers: Record<string, string> = {}) => app.post('/api/generate', { prompt: 'Hi' }, { headers });

async function expectRateLimited(response: Response): Promise<void> {
  expect(response.status).toBe(429);
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
  expect(await response.json()).toMatchObject({ code: 'RATE_LIMIT' });
}

export function describeLimits(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('requests per minute', () => {
    it('admits RATE_LIMIT_REQUESTS calls a minute with X-RateLimit-* headers, then answers 429 with Retry-After and calls no model', async () => {
      await freshMinute();
      const app = await start({ env: limited({ RATE_LIMIT_REQUESTS: '3' }) });
      for (const remaining of ['2', '1', '0']) {
        const response = await generate(app);
        expect(response.status).toBe(200);
        expect(response.headers.get('x-ratelimit-limit-requests')).toBe('3');
        expect(response.headers.get('x-ratelimit-remaining-requests')).toBe(remaining);
        const reset = Number(response.headers.get('x-ratelimit-reset-requests'));
        expect(reset >= 1 && reset <= 60).toBe(true);
        expect(response.headers.get('x-ratelimit-limit-tokens')).toBeNull();
      }
      const hits = await app.ollama.hits('/api/chat');
      const refused = await generate(app);
      expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
      await expectRateLimited(refused);
      // Every generating route is limited, streams too (as a JSON 429 before the stream), and /v1 in OpenAI's shape.
      await expectRateLimited(await app.post('/api/chat/stream', { message: 'Hi' }));
      await expectRateLimited(await app.post('/ask', { question: 'Hi' }));
      const openai = await app.post('/v1/chat/completions', { model: 'llama3.2', messages: [{ role: 'user', content: 'Hi' }] });
      expect(openai.status).toBe(429);
      expect(await openai.json()).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' } });
      expect(await app.ollama.hits('/api/chat')).toBe(hits);
      // Refused calls count nothing, and routes that call no model are not limited.
      expect(await app.query("select count from limit_counters where kind = 'requests'")).toEqual([{ count: 3 }]);
      const history = await app.fetch('/api/history');
      expect(history.status).toBe(200);
      expect(history.headers.get('x-ratelimit-limit-requests')).toBeNull();
    });

    it('lets 50 concurrent requests of one caller through exactly as many times as the limit allows', async () => {
      await freshMinute();
      const app = await start({ env: limited({ RATE_LIMIT_REQUESTS: '10' }) });
      const responses = await Promise.all(Array.from({ length: 50 }, () => generate(app)));
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(10);
      expect(statuses.filter((status) => status === 429)).toHaveLength(40);
      await Promise.all(responses.map((response) => response.text()));
      expect(await app.ollama.hits('/api/chat')).toBe(10);
    });

    it("counts each API key on its own, and a key's own limits replace the defaults (even with RATE_LIMIT_ENABLED=false)", async () => {
      await freshMinute();
      const app = await start({ env: authRequired() });
      const strict = await createKey(app, { name: 'strict', limits: { requests_per_minute: 1 } });
      const free = await createKey(app, { name: 'free' });
      expect((await generate(app, bearer(strict.key))).status).toBe(200);
      await expectRateLimited(await generate(app, bearer(strict.key)));
      for (let call = 0; call < 3; call += 1) {
        const response = await generate(app, bearer(free.key));
        expect(response.status).toBe(200);
        expect(response.headers.get('x-ratelimit-limit-requests')).toBeNull();
      }
      expect((await generate(app, bearer(adminKey))).status).toBe(200);
    });
  });

  describe('concurrent streams', () => {
    it('refuses a stream beyond RATE_LIMIT_STREAMS with 429, and gives the slot back when a stream ends, is aborted or fails', async () => {
      const app = await start({
        env: limited({ RATE_LIMIT_STREAMS: '1', RATE_LIMIT_REQUESTS: '1000', KEEPALIVE_SECONDS: '5' }),
        ollama: { tokens: Array.from({ length: 20 }, () => 't'), tokenDelayMs: 25 },
      });
      const controller = new AbortController();
      const first = await app.post('/api/chat/stream', { message: 'One' });
      expect(first.status).toBe(200);
      const second = await app.post('/api/chat/stream', { message: 'Two' });
      await expectRateLimited(second);
      expect(second.headers.get('retry-after')).toBe('1');
      // A JSON answer is not a stream: it does not need a stream slot.
      expect((await app.post('/api/generate', { prompt: 'json' })).status).toBe(200);
      await readSse(first);
      const afterEnd = await eventually(async () => {
        const response = await app.post('/api/chat/stream', { message: 'Three' }, { signal: controller.signal });
        if (response.status === 200) return response;
        await response.body?.cancel();
        return undefined;
      });
      // Aborted mid-stream: the slot comes back once the generation settles.
      await afterEnd.body?.getReader().read();
      controller.abort();
      const afterAbort = await eventually(async () => {
        const response = await app.post('/api/chat/stream', { message: 'Four' });
        if (response.status === 200) return response;
        await response.body?.cancel();
        return undefined;
      }, 5000);
      await readSse(afterAbort);
      // An upstream failure gives it back too.
      await app.ollama.enqueue({ fault: { kind: 'http-error', status: 500, body: '{"error":"boom"}' } });
      expect((await app.post('/api/chat/stream', { message: 'Fails' })).status).toBe(502);
      await eventually(async () => ((await app.query('select id from stream_leases')).length === 0 ? true : undefined));
      expect((await app.post('/api/chat/stream', { message: 'Again' })).status).toBe(200);
    });

    it('never has more streams running than the limit when 20 start at once', async () => {
      const app = await start({
        env: limited({ RATE_LIMIT_STREAMS: '3', RATE_LIMIT_REQUESTS: '1000', KEEPALIVE_SECONDS: '5' }),
        ollama: { tokens: ['a', 'b', 'c'], tokenDelayMs: 200 },
      });
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => app.post('/api/generate', { prompt: 'Hi', stream: true })),
      );
      expect(responses.filter((response) => response.status === 200)).toHaveLength(3);
      expect(responses.filter((response) => response.status === 429)).toHaveLength(17);
      await Promise.all(responses.map((response) => response.text()));
    });
  });

  describe('token budgets', () => {
    it('admits calls while the day’s tokens are below the budget (the one that crosses it completes), then 429 until midnight UTC', async () => {
      const app = await start({
        env: limited({ RATE_LIMIT_TOKENS_PER_DAY: '15', RATE_LIMIT_REQUESTS: '1000' }),
        ollama: { promptEvalCount: 7, tokens: ['a', 'b', 'c'] },
      });
      const first = await generate(app);
      expect(first.status).toBe(200);
      expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('15');
      expect(first.headers.get('x-ratelimit-remaining-tokens')).toBe('15');
      await eventually(async () => {
        const [row] = await app.query<{ count: number }>("select count from limit_counters where kind = 'tokens'");
        return row?.count === 10 ? true : undefined;
      });
      const crossing = await generate(app);
      expect(crossing.status).toBe(200);
      expect(crossing.headers.get('x-ratelimit-remaining-tokens')).toBe('5');
      await eventually(async () => {
        const [row] = await app.query<{ count: number }>("select count from limit_counters where kind = 'tokens'");
        return row?.count === 20 ? true : undefined;
      });
      const refused = await generate(app);
      await expectRateLimited(refused);
      const now = new Date();
      const secondsToMidnight = (Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - now.getTime()) / 1000;
      expect(Math.abs(Number(refused.headers.get('retry-after')) - secondsToMidnight)).toBeLessThan(5);
      expect(refused.headers.get('x-ratelimit-remaining-tokens')).toBe('0');
    });
  });

  describe('without limits', () => {
    it('sends no X-RateLimit headers and writes no limit state', async () => {
      const app = await start();
      const response = await generate(app);
      expect(response.status).toBe(200);
      expect([...response.headers.keys()].filter((name) => name.startsWith('x-ratelimit'))).toEqual([]);
      expect(await app.query('select * from limit_counters')).toEqual([]);
    });
  });
}
