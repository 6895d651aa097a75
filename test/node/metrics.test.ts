/** GET /metrics (API.md § Operations), parsed strictly: the metric names, bounded labels, counts that rise, and who may read it. */
import { afterEach, describe, expect, it } from 'vitest';
import { parsePrometheusText, type ParsedMetrics } from '../helpers/prometheus-text.ts';
import { eventually, readSse } from '../helpers/sse.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { adminKey } from '../suites/auth-support.ts';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function metrics(target: TestApp, headers: Record<string, string> = {}): Promise<ParsedMetrics> {
  const response = await target.fetch('/metrics', { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusText(await response.text());
}

const completeCalls = (parsed: ParsedMetrics, outcome = 'complete') =>
  parsed.value('llm_requests_total', { provider: 'ollama', model: 'ollama/llama3.2', outcome }) ?? 0;

describe('GET /metrics', () => {
  it('serves the metrics API.md names in the text format, labelled by route pattern, never by raw path', async () => {
    app = await startTestApp({ ollama: { tokens: ['a', 'b', 'c'], promptEvalCount: 4 } });
    await app.post('/api/chat', { message: 'Hi' });
    await app.fetch('/api/history/0f8fad5b-d9cb-469f-a165-70867728950e');
    await app.fetch('/no/such/route');
    const parsed = await metrics(app);
    expect(Object.fromEntries(parsed.types)).toMatchObject({
      http_requests_total: 'counter',
      http_request_duration_seconds: 'histogram',
      llm_requests_total: 'counter',
      llm_tokens_total: 'counter',
      llm_time_to_first_token_seconds: 'histogram',
      llm_active_streams: 'gauge',
    });
    expect(parsed.value('http_requests_total', { method: 'POST', route: '/api/chat', status: '200' })).toBe(1);
    expect(parsed.value('http_requests_total', { method: 'GET', route: '/api/history/:id', status: '404' })).toBe(1);
    expect(parsed.value('http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(parsed.value('http_request_duration_seconds_count', { method: 'POST', route: '/api/chat', status: '200' })).toBe(1);
    expect(completeCalls(parsed)).toBe(1);
    expect(parsed.value('llm_tokens_total', { model: 'ollama/llama3.2', kind: 'input' })).toBe(4);
    expect(parsed.value('llm_tokens_total', { model: 'ollama/llama3.2', kind: 'output' })).toBe(3);
    expect(parsed.value('llm_time_to_first_token_seconds_count', { model: 'ollama/llama3.2' })).toBe(1);
    expect(parsed.value('llm_active_streams')).toBe(0);
    for (const sample of parsed.samples) {
      for (const value of Object.values(sample.labels)) expect(value).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
    }
  });

  it('counts each generation exactly once, whatever its outcome, and shows streams in progress', async () => {
    app = await startTestApp({ env: { KEEPALIVE_SECONDS: '5', TOKEN_GAP_TIMEOUT_SECONDS: '0.3' } });
    const target = app;
    await readSse(await target.post('/api/chat/stream', { message: 'Hi' }));
    target.ollama.enqueue({ fault: { kind: 'http-error', status: 500, body: '{"error":"boom"}' } });
    await target.post('/api/chat/stream', { message: 'Hi' });
    target.ollama.enqueue({ fault: { kind: 'stall-after-tokens', after: 1 } });
    await readSse(await target.post('/api/chat/stream', { message: 'Hi' }));
    target.ollama.setBehaviour({ tokens: Array.from({ length: 30 }, () => 't'), tokenDelayMs: 30 });
    const controller = new AbortController();
    const slow = await target.post('/api/chat/stream', { message: 'Hi' }, { signal: controller.signal });
    await slow.body?.getReader().read();
    expect((await metrics(target)).value('llm_active_streams')).toBe(1);
    controller.abort();
    const settled = await eventually(async () => {
      const parsed = await metrics(target);
      return completeCalls(parsed, 'aborted') === 1 ? parsed : undefined;
    }, 5000);
    expect(completeCalls(settled)).toBe(1);
    expect(completeCalls(settled, 'error')).toBe(2);
    expect(settled.value('llm_active_streams')).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const later = await metrics(target);
    expect([completeCalls(later), completeCalls(later, 'error'), completeCalls(later, 'aborted')]).toEqual([1, 2, 1]);
  });

  it('needs METRICS_TOKEN as the bearer when it is set, and nothing else opens it', async () => {
    app = await startTestApp({ env: { METRICS_TOKEN: 'scrape-token-0123456789', ADMIN_API_KEY: adminKey } });
    expect((await app.fetch('/metrics')).status).toBe(401);
    expect((await app.fetch('/metrics', { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    expect((await app.fetch('/metrics', { headers: { authorization: `Bearer ${adminKey}` } })).status).toBe(401);
    await metrics(app, { authorization: 'Bearer scrape-token-0123456789' });
  });

  it('is admin-only while auth is on and METRICS_TOKEN is unset', async () => {
    app = await startTestApp({ env: { AUTH_REQUIRED: 'true', ADMIN_API_KEY: adminKey } });
    expect((await app.fetch('/metrics')).status).toBe(401);
    const created = await app.post('/api/keys', { name: 'user key' }, { headers: { authorization: `Bearer ${adminKey}` } });
    const { key } = (await created.json()) as { key: string };
    expect((await app.fetch('/metrics', { headers: { authorization: `Bearer ${key}` } })).status).toBe(403);
    await metrics(app, { authorization: `Bearer ${adminKey}` });
  });
});
