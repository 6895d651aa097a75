/**
 * The headers that keep a proxy in front of the API from holding an SSE answer back (README,
 * "Deploying behind nginx or a tunnel"): nginx buffers a proxied response unless it says
 * `X-Accel-Buffering: no`, and gzips it unless it already has a Content-Encoding; `no-transform`
 * tells other intermediaries the same. Every SSE route, whether its stream started with the model's
 * answer or before it (KEEPALIVE_SECONDS).
 */
import { describe, expect, it } from 'vitest';
import { useHarness, type CreateHarness } from './harness.ts';

export const sseRoutes: { path: string; body: Record<string, unknown> }[] = [
  { path: '/api/chat/stream', body: { message: 'Hi' } },
  { path: '/api/generate', body: { prompt: 'Hi', stream: true } },
  { path: '/api/v1/generate', body: { prompt: 'Hi', stream: true } },
  { path: '/v1/chat/completions', body: { model: 'llama3.2', stream: true, messages: [{ role: 'user', content: 'Hi' }] } },
];

export function describeStreamHeaders(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('SSE response headers', () => {
    const starts = [
      { name: 'when the model answers at once', env: { KEEPALIVE_SECONDS: '5' }, ollama: {} },
      {
        name: 'when the stream starts before the model answers',
        env: { KEEPALIVE_SECONDS: '0.1' },
        ollama: { headerDelayMs: 400 },
      },
    ];
    for (const { path, body } of sseRoutes) {
      for (const { name, env, ollama } of starts) {
        it(`${path}: sends X-Accel-Buffering: no, Content-Encoding: identity and no-transform ${name}`, async () => {
          const app = await start({ env, ollama });
          const response = await app.post(path, body);
          expect(response.status).toBe(200);
          expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
          expect(response.headers.get('x-accel-buffering')).toBe('no');
          expect(response.headers.get('content-encoding')).toBe('identity');
          expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
          expect(await response.text()).toMatch(/^(: keep-alive\n\n)*data: /);
        });
      }
    }
  });
}
