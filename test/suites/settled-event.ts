/**
 * One settled event per model call, whatever happens to it (issue: one generation lifecycle): complete,
 * an upstream error before and after the first token, a silent upstream (gap timeout), a client that
 * leaves, a fallback to a second model. What it feeds is checked: exactly one usage row, no stream lease
 * left, the day's token counter raised once by the upstream's counts. (On Node the metrics counter of
 * generations is checked too, in test/node/metrics.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { eventually, readSse, sleep } from '../helpers/sse.ts';
import { useHarness, type CreateHarness, type Harness } from './harness.ts';

interface UsageRow {
  outcome: string;
  model: string;
  attempts: number;
  input_tokens: number | null;
  output_tokens: number | null;
}

const env = {
  RATE_LIMIT_ENABLED: 'true',
  RATE_LIMIT_REQUESTS: '1000',
  RATE_LIMIT_STREAMS: '10',
  // A budget makes the limits count each call's tokens, which shows whether it settled once.
  RATE_LIMIT_TOKENS_PER_DAY: '1000000000',
  KEEPALIVE_SECONDS: '5',
  TOKEN_GAP_TIMEOUT_SECONDS: '0.3',
  MODEL_ALIASES: 'chain=ollama/first,ollama/second',
};

/** Waits for the one usage row, then a little longer, and checks nothing else settled. */
async function settledOnce(app: Harness): Promise<{ row: UsageRow; tokensCounted: number }> {
  const rows = await eventually(async () => {
    const found = await app.query<UsageRow>('select outcome, model, attempts, input_tokens, output_tokens from usage');
    return found.length > 0 ? found : undefined;
  }, 5000);
  await sleep(250);
  expect(await app.query('select id from usage')).toHaveLength(1);
  expect(await app.query('select id from stream_leases')).toEqual([]);
  const counters = await app.query<{ count: number }>("select count from limit_counters where kind = 'tokens'");
  return { row: rows[0]!, tokensCounted: counters[0]?.count ?? 0 };
}

export function describeSettledEvent(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('the settled event', () => {
    it.each([
      ['JSON', false],
      ['SSE', true],
    ])('fires once for a complete %s answer, with its tokens counted once', async (_kind, stream) => {
      const app = await start({ env, ollama: { tokens: ['a', 'b'], promptEvalCount: 5 } });
      const response = await app.post(stream ? '/api/chat/stream' : '/api/chat', { message: 'Hi' });
      expect(response.status).toBe(200);
      await response.text();
      const { row, tokensCounted } = await settledOnce(app);
      expect(row).toMatchObject({ outcome: 'complete', input_tokens: 5, output_tokens: 2, attempts: 1 });
      expect(tokensCounted).toBe(7);
    });

    it('fires once for an upstream error before the first token', async () => {
      const app = await start({ env });
      await app.ollama.enqueue({ fault: { kind: 'http-error', status: 500, body: '{"error":"boom"}' } });
      expect((await app.post('/api/chat/stream', { message: 'Hi' })).status).toBe(502);
      const { row, tokensCounted } = await settledOnce(app);
      expect(row).toMatchObject({ outcome: 'error', input_tokens: null });
      expect(tokensCounted).toBe(0);
    });

    it('fires once for an upstream error after the first token', async () => {
      const app = await start({ env, ollama: { tokens: ['a', 'b', 'c'] } });
      await app.ollama.enqueue({ fault: { kind: 'error-after-tokens', after: 2, message: 'GPU fell over' } });
      const events = await readSse(await app.post('/api/chat/stream', { message: 'Hi' }));
      expect(events.at(-1)?.data).toMatchObject({ code: 'UPSTREAM_ERROR' });
      expect((await settledOnce(app)).row).toMatchObject({ outcome: 'error' });
    });

    it('fires once when the upstream falls silent (token gap timeout)', async () => {
      const app = await start({ env, ollama: { tokens: ['a', 'b', 'c'] } });
      await app.ollama.enqueue({ fault: { kind: 'stall-after-tokens', after: 1 } });
      const events = await readSse(await app.post('/api/chat/stream', { message: 'Hi' }));
      expect(events.at(-1)?.data).toMatchObject({ code: 'TIMEOUT' });
      expect((await settledOnce(app)).row).toMatchObject({ outcome: 'error' });
    });

    it('fires once when the client leaves mid-stream', async () => {
      const app = await start({ env, ollama: { tokens: Array.from({ length: 30 }, () => 't'), tokenDelayMs: 30 } });
      const controller = new AbortController();
      const response = await app.post('/api/chat/stream', { message: 'Hi' }, { signal: controller.signal });
      await response.body?.getReader().read();
      controller.abort();
      expect((await settledOnce(app)).row).toMatchObject({ outcome: 'aborted' });
    });

    it('fires once for a generation that fell back to a second model, naming the one that answered', async () => {
      const app = await start({ env, ollama: { tokens: ['ok'], promptEvalCount: 3 } });
      await app.ollama.setModels(['second']);
      const response = await app.post('/api/generate', { prompt: 'Hi', model: 'chain', stream: true });
      expect(response.status).toBe(200);
      await response.text();
      const { row, tokensCounted } = await settledOnce(app);
      expect(row).toMatchObject({ outcome: 'complete', model: 'ollama/second', attempts: 2 });
      expect(tokensCounted).toBe(4);
    });
  });
}
