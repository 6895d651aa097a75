/**
 * The drain behind a graceful shutdown, in process: it waits for running generations, aborts them when
 * the grace is over (stored aborted, the client told why), and refuses new ones. The signal handling
 * of each runtime is tested on the real processes in test/runtimes/graceful-shutdown.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GenerationDrain } from '../../src/runtime/generation-drain.ts';
import { sseEvents } from '../helpers/sse.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const tokens = Array.from({ length: 30 }, (_, index) => `t${String(index)} `);

/** A stream read up to its first token; the rest of its events on demand. */
async function streamStarted(target: TestApp) {
  const events = sseEvents(await target.post('/api/chat/stream', { message: 'Hi' }));
  for (;;) {
    const next = await events.next();
    if (next.done === true) throw new Error('the stream ended before its first token');
    if (typeof next.value.event.data?.['token'] === 'string') break;
  }
  return async () => {
    const rest = [];
    for await (const { event } of events) rest.push(event);
    return rest;
  };
}

describe('the generation drain', () => {
  it('waits for a running generation that ends within the grace', async () => {
    const drain = new GenerationDrain();
    app = await startTestApp({ drain, ollama: { tokens: tokens.slice(0, 4), tokenDelayMs: 100 } });
    const rest = await streamStarted(app);
    expect(drain.inFlight).toBe(1);
    const [report, events] = await Promise.all([drain.drain(5_000, 1_000), rest()]);
    expect(report).toEqual({ finished: 1, aborted: 0, unsettled: 0 });
    expect(events.at(-1)?.data?.['done']).toBe(true);
    expect(await app.query("select status from messages where role = 'assistant'")).toEqual([{ status: 'complete' }]);
  });

  it('aborts what still runs after the grace: the stream ends with SERVICE_UNAVAILABLE, the answer is stored aborted with its usage', async () => {
    const drain = new GenerationDrain();
    app = await startTestApp({ drain, ollama: { tokens, tokenDelayMs: 100 } });
    const rest = await streamStarted(app);
    const [report, events] = await Promise.all([drain.drain(200, 2_000), rest()]);
    expect(report).toEqual({ finished: 0, aborted: 1, unsettled: 0 });
    expect(events.at(-1)?.data).toEqual({ error: expect.any(String), code: 'SERVICE_UNAVAILABLE' });
    const [answer] = await app.query<{ status: string; error_code: string; content: string }>(
      "select status, error_code, content from messages where role = 'assistant'",
    );
    expect(answer).toMatchObject({ status: 'aborted', error_code: 'SERVICE_UNAVAILABLE' });
    expect(tokens.join('').startsWith(answer?.content ?? 'x')).toBe(true);
    expect(await app.query('select outcome from usage')).toEqual([{ outcome: 'aborted' }]);
  });

  it('refuses new generations with 503 once it drains, storing nothing and calling no model', async () => {
    const drain = new GenerationDrain();
    app = await startTestApp({ drain });
    await drain.drain(0, 0);
    for (const [path, body] of [
      ['/api/chat', { message: 'Hi' }],
      ['/api/generate', { prompt: 'Hi' }],
      ['/v1/chat/completions', { model: 'llama3.2', messages: [{ role: 'user', content: 'Hi' }] }],
      ['/v1/embeddings', { model: 'llama3.2', input: 'Hi' }],
    ] as const) {
      const response = await app.post(path, body);
      expect(response.status, path).toBe(503);
      expect(await response.text()).toMatch(/shutting down/);
    }
    const stream = await app.post('/api/chat/stream', { message: 'Hi' });
    expect(stream.status).toBe(503);
    await stream.text();
    expect(app.ollama.hits('/api/chat') + app.ollama.hits('/api/embed')).toBe(0);
    expect(await app.query('select id from conversations')).toEqual([]);
    // Everything else still answers until the server stops.
    expect((await app.fetch('/api/history')).status).toBe(200);
  });
});
