/**
 * Circuit breaking per provider/model (README "Reliability"), through the routes: a failing model is
 * skipped for the cooldown with no call to it (the fake's hit counts per model prove it), then probed
 * once; an alias's chain answers from its next model at once; a chain whose every circuit is open
 * answers 503 with Retry-After and calls nothing. Shown by /api/health, /api/models and /metrics.
 */
import { describe, expect, it } from 'vitest';
import type { FakeOllamaBehaviour } from '../helpers/fake-ollama.ts';
import { parsePrometheusText } from '../helpers/prometheus-text.ts';
import { eventually, readSse } from '../helpers/sse.ts';
import { useHarness, type CreateHarness, type Harness } from './harness.ts';

const primary = 'ollama/llama3.2';
const fallback = 'ollama/llama3.2:1b';
const chain = `smart=${primary},${fallback}`;
const busy: Partial<FakeOllamaBehaviour> = { fault: { kind: 'http-error', status: 503, body: '{"error":"server busy"}' } };
const refused: Partial<FakeOllamaBehaviour> = {
  fault: { kind: 'http-error', status: 400, body: '{"error":"invalid options"}' },
};

interface Circuit {
  state: 'closed' | 'open' | 'half_open';
  open_until: string | null;
  failures: number;
}

interface Health {
  status: string;
  checks: { providers: Record<string, { ok: boolean; circuits?: Record<string, Circuit> }> };
}

/** Calls the fake received for a model (the Ollama name in the request body). */
async function hitsFor(app: Harness, modelName: string): Promise<number> {
  const requests = await app.ollama.requests();
  return requests.filter(
    (request) => request.path === '/api/chat' && (request.body as { model?: unknown } | undefined)?.model === modelName,
  ).length;
}

const hits = async (app: Harness) => [await hitsFor(app, 'llama3.2'), await hitsFor(app, 'llama3.2:1b')];

async function health(app: Harness): Promise<Health> {
  return (await (await app.fetch('/api/health')).json()) as Health;
}

const circuitOf = async (app: Harness, id: string) => (await health(app)).checks.providers['ollama']?.circuits?.[id];

/** Waits (by polling /api/health) until the open circuit's cooldown is over and a probe may go. */
const halfOpen = (app: Harness, id: string) =>
  eventually(async () => ((await circuitOf(app, id))?.state === 'half_open' ? true : undefined), 5_000);

async function expectCircuitRefusal(response: Response, code = 'SERVICE_UNAVAILABLE'): Promise<void> {
  const text = await response.text();
  expect(response.status, text).toBe(503);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(text).toContain(code);
}

export function describeCircuitBreaker(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);
  const startWith = (env: Record<string, string>) =>
    start({ env: { MODEL_ALIASES: chain, CIRCUIT_COOLDOWN_SECONDS: '30', ...env } });

  describe('circuit breaking', () => {
    it("opens after CIRCUIT_FAILURE_THRESHOLD failures and sends the chain's next model the calls at once, with no call to the open one", async () => {
      const app = await startWith({ CIRCUIT_FAILURE_THRESHOLD: '2' });
      // Each call: the first model's 503, then the fallback's answer.
      await app.ollama.enqueue(busy, {}, busy, {});
      for (let call = 0; call < 4; call += 1) {
        const response = await app.post('/api/chat', { message: 'Hi', model: 'smart' });
        expect(response.status).toBe(200);
        expect(response.headers.get('x-model')).toBe(fallback);
        expect(response.headers.get('x-fallback-count')).toBe('1');
      }
      // Two calls reached the first model (they opened it); the next two went straight to the fallback.
      expect(await hits(app)).toEqual([2, 4]);
      const stream = await app.post('/api/chat/stream', { message: 'Hi', model: 'smart' });
      expect(stream.headers.get('x-model')).toBe(fallback);
      expect((await readSse(stream)).at(-1)?.data?.['done']).toBe(true);
      expect(await hits(app)).toEqual([2, 5]);
    });

    it('answers 503 with Retry-After and calls nothing when every model of the chain is open, on every route', async () => {
      const app = await startWith({ CIRCUIT_FAILURE_THRESHOLD: '1' });
      await app.ollama.enqueue(busy, busy);
      expect((await app.post('/api/chat', { message: 'Hi', model: 'smart' })).status).toBe(503);
      expect(await hits(app)).toEqual([1, 1]);

      await expectCircuitRefusal(await app.post('/api/chat', { message: 'Hi', model: 'smart' }));
      await expectCircuitRefusal(await app.post('/api/chat/stream', { message: 'Hi', model: 'smart' }));
      await expectCircuitRefusal(await app.post('/api/generate', { prompt: 'Hi', model: primary }));
      await expectCircuitRefusal(
        await app.post('/v1/chat/completions', { model: 'smart', messages: [{ role: 'user', content: 'Hi' }] }),
        'service_unavailable',
      );
      expect(await hits(app)).toEqual([1, 1]);
      // The refused turn is stored as an answer that failed, like any other failure before the answer.
      const answers = await app.query<{ status: string; error_code: string | null }>(
        "select status, error_code from messages where role = 'assistant'",
      );
      expect(answers).toHaveLength(3);
      expect(answers.slice(1)).toEqual([
        { status: 'error', error_code: 'SERVICE_UNAVAILABLE' },
        { status: 'error', error_code: 'SERVICE_UNAVAILABLE' },
      ]);
    });

    it('lets one probe through after the cooldown: its success closes the circuit', async () => {
      const app = await startWith({ CIRCUIT_FAILURE_THRESHOLD: '1', CIRCUIT_COOLDOWN_SECONDS: '0.3' });
      await app.ollama.enqueue(busy);
      expect((await app.post('/api/generate', { prompt: 'Hi', model: primary })).status).toBe(503);
      expect((await circuitOf(app, primary))?.state).toMatch(/^(open|half_open)$/);
      await halfOpen(app, primary);
      const probe = await app.post('/api/generate', { prompt: 'Hi', model: primary });
      expect(probe.status).toBe(200);
      expect(await hitsFor(app, 'llama3.2')).toBe(2);
      expect(await circuitOf(app, primary)).toBeUndefined();
      expect((await health(app)).status).toBe('healthy');
      expect((await app.post('/api/generate', { prompt: 'Hi', model: primary })).status).toBe(200);
      expect(await hitsFor(app, 'llama3.2')).toBe(3);
    });

    it('opens again for a whole cooldown when the probe fails', async () => {
      const app = await startWith({ CIRCUIT_FAILURE_THRESHOLD: '1', CIRCUIT_COOLDOWN_SECONDS: '0.3' });
      await app.ollama.enqueue(busy, busy);
      expect((await app.post('/api/generate', { prompt: 'Hi', model: primary })).status).toBe(503);
      const opened = await circuitOf(app, primary);
      await halfOpen(app, primary);
      const probe = await app.post('/api/generate', { prompt: 'Hi', model: primary });
      expect(probe.status).toBe(503);
      expect(probe.headers.get('retry-after')).toBeNull();
      expect(await hitsFor(app, 'llama3.2')).toBe(2);
      const reopened = await circuitOf(app, primary);
      expect(Date.parse(reopened?.open_until ?? '')).toBeGreaterThan(Date.parse(opened?.open_until ?? ''));
    });

    it("does not count the model's 400s (the request was refused, the model is fine) nor clients that left", async () => {
      const app = await startWith({ CIRCUIT_FAILURE_THRESHOLD: '1', KEEPALIVE_SECONDS: '5' });
      await app.ollama.enqueue(refused, refused, refused);
      for (let call = 0; call < 3; call += 1)
        expect((await app.post('/api/chat', { message: 'Hi', model: primary })).status).toBe(400);
      const controller = new AbortController();
      await app.ollama.enqueue({ tokens: ['a', 'b', 'c', 'd'], tokenDelayMs: 300 });
      const stream = await app.post('/api/chat/stream', { message: 'Hi', model: primary }, { signal: controller.signal });
      expect(stream.status).toBe(200);
      controller.abort();
      await eventually(async () => {
        const rows = await app.query<{ status: string }>(
          "select status from messages where role = 'assistant' and status = 'aborted'",
        );
        return rows.length === 1 ? true : undefined;
      });
      expect((await app.post('/api/chat', { message: 'Hi', model: primary })).status).toBe(200);
      expect(await hitsFor(app, 'llama3.2')).toBe(5);
      expect(await circuitOf(app, primary)).toBeUndefined();
    });

    it("shows open circuits in /api/health (degraded) and every model's circuit in /api/models", async () => {
      const app = await startWith({ CIRCUIT_FAILURE_THRESHOLD: '2' });
      await app.ollama.enqueue(busy, busy);
      await app.post('/api/generate', { prompt: 'Hi', model: primary });
      expect(await circuitOf(app, primary)).toEqual({ state: 'closed', open_until: null, failures: 1 });
      expect((await health(app)).status).toBe('healthy');
      await app.post('/api/generate', { prompt: 'Hi', model: primary });

      const report = await health(app);
      expect(report.status).toBe('degraded');
      expect(report.checks.providers['ollama']).toMatchObject({ ok: true });
      const circuit = report.checks.providers['ollama']?.circuits?.[primary];
      expect(circuit).toEqual({ state: 'open', open_until: expect.any(String), failures: 2 });
      const untilMs = Date.parse(circuit?.open_until ?? '') - Date.now();
      expect(untilMs).toBeGreaterThan(20_000);
      expect(untilMs).toBeLessThanOrEqual(30_000);
      // Readiness stays: the other models (and fallbacks) still answer.
      expect((await app.fetch('/health/ready')).status).toBe(200);

      const models = (await (await app.fetch('/api/models')).json()) as {
        models: { name: string; provider: string; circuit?: Circuit }[];
      };
      const byName = new Map(models.models.map((model) => [model.name, model]));
      expect(byName.get('ollama/llama3.2:latest')?.circuit).toEqual(circuit);
      expect(byName.get('ollama/llama3.2:1b')?.circuit).toEqual({ state: 'closed', open_until: null, failures: 0 });
      expect(byName.get('smart')?.circuit).toBeUndefined();
    });

    it('has no circuits while CIRCUIT_FAILURE_THRESHOLD is unset: every call reaches the model', async () => {
      const app = await start({ env: { MODEL_ALIASES: chain } });
      await app.ollama.enqueue(busy, busy, busy, busy);
      for (let call = 0; call < 4; call += 1) await app.post('/api/generate', { prompt: 'Hi', model: primary });
      expect((await app.post('/api/generate', { prompt: 'Hi', model: primary })).status).toBe(200);
      expect(await hitsFor(app, 'llama3.2')).toBe(5);
      expect((await health(app)).checks.providers['ollama']?.circuits).toBeUndefined();
      const models = (await (await app.fetch('/api/models')).json()) as { models: { circuit?: Circuit }[] };
      expect(models.models.every((model) => model.circuit === undefined)).toBe(true);
    });

    it('counts open circuits and skipped calls in /metrics (not served on Workers)', async () => {
      const app = await startWith({ CIRCUIT_FAILURE_THRESHOLD: '1', CIRCUIT_COOLDOWN_SECONDS: '0.3' });
      if (app.runtime === 'workers') {
        expect((await app.fetch('/metrics')).status).toBe(404);
        return;
      }
      const metrics = async () => parsePrometheusText(await (await app.fetch('/metrics')).text());
      const labels = { provider: 'ollama', model: primary };
      await app.ollama.enqueue(busy);
      await app.post('/api/generate', { prompt: 'Hi', model: 'smart' });
      await app.post('/api/generate', { prompt: 'Hi', model: 'smart' });
      let parsed = await metrics();
      expect(parsed.types.get('llm_circuit_open')).toBe('gauge');
      expect(parsed.value('llm_circuit_open', labels)).toBe(1);
      expect(parsed.value('llm_circuit_skipped_total', labels)).toBeGreaterThanOrEqual(1);
      expect(parsed.value('llm_circuit_open', { provider: 'ollama', model: fallback })).toBeUndefined();
      await halfOpen(app, primary);
      await app.post('/api/generate', { prompt: 'Hi', model: primary });
      parsed = await metrics();
      expect(parsed.value('llm_circuit_open', labels)).toBe(0);
    });
  });
}
