/**
 * A model server that takes longer than KEEPALIVE_SECONDS to answer (a cold model load: Ollama sends
 * even its headers only with the first chunk). The stream starts anyway — 200, the SSE headers, a
 * `: keep-alive` comment — so a proxy in front of the API does not cut it; what fails after that is an
 * SSE error event, while what fails sooner stays a JSON error (API.md, "Chat with history").
 */
import { describe, expect, it } from 'vitest';
import { readSse, sseEvents, type SseEvent } from '../helpers/sse.ts';
import { useHarness, type CreateHarness, type Harness } from './harness.ts';

/** Ollama's headers come this long after the request: several KEEPALIVE_SECONDS of 0.1. */
const slowHeadersMs = 600;
const env = { KEEPALIVE_SECONDS: '0.1' };

const dataOf = (events: SseEvent[]) => events.flatMap((event) => (event.data === undefined ? [] : [event.data]));
const tokensOf = (events: SseEvent[]) =>
  events.flatMap((event) => (typeof event.data?.['token'] === 'string' ? [event.data['token']] : []));

async function assistantRow(app: Harness) {
  const rows = await app.query<{ content: string; status: string; error_code: string | null; model: string | null }>(
    "select content, status, error_code, model from messages where role = 'assistant'",
  );
  expect(rows).toHaveLength(1);
  return rows[0];
}

/** The response, and how long after the request it came. */
async function timedPost(app: Harness, path: string, body: unknown) {
  const startedAt = Date.now();
  const response = await app.post(path, body);
  return { response, afterMs: Date.now() - startedAt };
}

/** A stream that started before the model server answered: 200 SSE, a keep-alive comment first. */
function expectEarlyStart(response: Response, afterMs: number, events: SseEvent[]): void {
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  expect(afterMs).toBeLessThan(slowHeadersMs);
  expect(events[0]).toEqual({ comment: 'keep-alive' });
}

export function describeStreamEarlyStart(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('/api/chat/stream when the model server is slower than KEEPALIVE_SECONDS', () => {
    it('starts the stream before the model server answers, then sends the tokens and the done event', async () => {
      const app = await start({ env, ollama: { headerDelayMs: slowHeadersMs, tokens: ['cold', ' start'] } });
      const { response, afterMs } = await timedPost(app, '/api/chat/stream', { message: 'Hi' });
      expect(response.headers.get('x-model')).toBe('ollama/llama3.2');
      expect(response.headers.get('x-fallback-count')).toBeNull();
      expect(response.headers.get('x-conversation-id')).toBeTruthy();
      const events = await readSse(response);
      expectEarlyStart(response, afterMs, events);
      const firstToken = events.findIndex((event) => event.data !== undefined);
      expect(events.slice(0, firstToken).every((event) => event.comment === 'keep-alive')).toBe(true);
      expect(tokensOf(events)).toEqual(['cold', ' start']);
      expect(dataOf(events).at(-1)).toMatchObject({ done: true, model: 'ollama/llama3.2', finish_reason: 'stop' });
      expect(await assistantRow(app)).toMatchObject({ content: 'cold start', status: 'complete', error_code: null });
    });

    it('ends with an SSE error event and stores the answer as error when the model server fails after the start', async () => {
      const app = await start({
        env,
        ollama: { headerDelayMs: slowHeadersMs, fault: { kind: 'http-error', status: 500, body: '{"error":"runner crashed"}' } },
      });
      const { response, afterMs } = await timedPost(app, '/api/chat/stream', { message: 'Hi' });
      const events = await readSse(response);
      expectEarlyStart(response, afterMs, events);
      expect(dataOf(events)).toEqual([{ error: expect.any(String), code: 'UPSTREAM_ERROR' }]);
      expect(JSON.stringify(events)).not.toContain('runner crashed');
      expect(await assistantRow(app)).toMatchObject({ content: '', status: 'error', error_code: 'UPSTREAM_ERROR' });
    });

    it('ends with an SSE TIMEOUT error when the model server never answers within FIRST_TOKEN_TIMEOUT_SECONDS', async () => {
      const app = await start({
        env: { ...env, FIRST_TOKEN_TIMEOUT_SECONDS: '0.4' },
        ollama: { fault: { kind: 'stall-before-headers' } },
      });
      const { response, afterMs } = await timedPost(app, '/api/chat/stream', { message: 'Hi' });
      const events = await readSse(response);
      expectEarlyStart(response, afterMs, events);
      expect(dataOf(events)).toEqual([{ error: expect.any(String), code: 'TIMEOUT' }]);
      await app.ollama.waitForAbort(1, 1000);
      expect(await assistantRow(app)).toMatchObject({ status: 'error', error_code: 'TIMEOUT' });
    });

    it('still falls back after the start: the next model answers and the done event names it', async () => {
      const app = await start({ env: { ...env, MODEL_ALIASES: 'chain=ollama/llama3.2:1b,ollama/llama3.2' } });
      await app.ollama.enqueue(
        { headerDelayMs: slowHeadersMs, fault: { kind: 'http-error', status: 503, body: '{"error":"loading"}' } },
        { tokens: ['from', ' the', ' fallback'] },
      );
      const { response, afterMs } = await timedPost(app, '/api/chat/stream', { message: 'Hi', model: 'chain' });
      // Sent before any model answered: the requested model (the first of the chain).
      expect(response.headers.get('x-model')).toBe('ollama/llama3.2:1b');
      const events = await readSse(response);
      expectEarlyStart(response, afterMs, events);
      expect(tokensOf(events)).toEqual(['from', ' the', ' fallback']);
      expect(dataOf(events).at(-1)).toMatchObject({ done: true, model: 'ollama/llama3.2' });
      expect(await app.ollama.hits('/api/chat')).toBe(2);
      expect(await assistantRow(app)).toMatchObject({
        content: 'from the fallback',
        status: 'complete',
        model: 'ollama/llama3.2',
      });
    });

    it('cancels the model call and stores the answer as aborted when the client leaves after the start', async () => {
      const app = await start({ env, ollama: { headerDelayMs: 3000 } });
      const controller = new AbortController();
      const response = await app.post('/api/chat/stream', { message: 'Hi' }, { signal: controller.signal });
      expect(response.status).toBe(200);
      for await (const { event } of sseEvents(response)) {
        expect(event).toEqual({ comment: 'keep-alive' });
        break;
      }
      controller.abort();
      await app.ollama.waitForAbort(1, 1500);
      await expect.poll(async () => (await app.query("select status from messages where role = 'assistant'")).length).toBe(1);
      expect(await assistantRow(app)).toMatchObject({ content: '', status: 'aborted' });
    });

    it('answers a failure that comes sooner with its JSON error: a refused connection is 503', async () => {
      const app = await start({ env, unreachableOllama: true });
      const response = await app.post('/api/chat/stream', { message: 'Hi' });
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      expect(await assistantRow(app)).toMatchObject({ status: 'error', error_code: 'SERVICE_UNAVAILABLE' });
    });
  });

  describe('the other SSE routes when the model server is slower than KEEPALIVE_SECONDS', () => {
    const chat = { model: 'llama3.2', stream: true, messages: [{ role: 'user', content: 'Hi' }] };

    it('/v1/chat/completions: starts early, then sends the role chunk, the content, the finish and [DONE]', async () => {
      const app = await start({ env, ollama: { headerDelayMs: slowHeadersMs, tokens: ['a', 'b'] } });
      const { response, afterMs } = await timedPost(app, '/v1/chat/completions', chat);
      expect(response.headers.get('x-model')).toBe('ollama/llama3.2');
      const events = await readSse(response);
      expectEarlyStart(response, afterMs, events);
      const chunks = dataOf(events) as { model: string; choices: { delta: unknown; finish_reason: string | null }[] }[];
      expect(chunks.map((chunk) => chunk.choices[0]?.delta)).toEqual([
        { role: 'assistant', content: '' },
        { content: 'a' },
        { content: 'b' },
        {},
      ]);
      expect(chunks.every((chunk) => chunk.model === 'ollama/llama3.2')).toBe(true);
      expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
      expect(events.at(-1)).toEqual({ raw: '[DONE]' });
    });

    it("/v1/chat/completions: ends with OpenAI's error event and no [DONE] when the model server fails after the start", async () => {
      const app = await start({
        env,
        ollama: { headerDelayMs: slowHeadersMs, fault: { kind: 'http-error', status: 500, body: '{"error":"boom"}' } },
      });
      const { response, afterMs } = await timedPost(app, '/v1/chat/completions', chat);
      const events = await readSse(response);
      expectEarlyStart(response, afterMs, events);
      expect(dataOf(events)).toEqual([{ error: expect.objectContaining({ type: 'server_error', code: 'upstream_error' }) }]);
      expect(events.some((event) => event.raw === '[DONE]')).toBe(false);
    });

    it('/api/generate and /api/v1/generate with "stream": true start early too', async () => {
      const app = await start({ env, ollama: { headerDelayMs: slowHeadersMs, tokens: ['x', 'y'] } });
      for (const path of ['/api/generate', '/api/v1/generate']) {
        const { response, afterMs } = await timedPost(app, path, { prompt: 'Hi', stream: true });
        const events = await readSse(response);
        expectEarlyStart(response, afterMs, events);
        const data = dataOf(events);
        expect(data.flatMap((event) => (typeof event['response'] === 'string' ? [event['response']] : []))).toEqual(['x', 'y']);
        expect(data.at(-1)).toEqual(path === '/api/generate' ? expect.objectContaining({ done: true }) : {});
      }
    });
  });
}
