/**
 * The Worker as deployed: requests go through the runtime to the default export of
 * src/entry/worker.ts (`exports.default`, the pool's SELF), with wrangler.toml's vars and
 * compatibility flags, the D1 binding `DB`, and the vitest config's test bindings (OLLAMA_BASE_URL of
 * a fake started by global-setup.ts, KEEPALIVE_SECONDS=0.1). Client disconnects here are the
 * runtime's own: the request signal (`enable_request_signal`) and the cancelled response body.
 */
import { createExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { createWorkerHandler } from '../../src/entry/worker.ts';
import { fakeOllamaClient } from '../helpers/fake-ollama-client.ts';
import { eventually, parseSse, readSse } from '../helpers/sse.ts';

const ollama = fakeOllamaClient(inject('selfFakeOllamaUrl'));
const TWENTY = Array.from({ length: 20 }, (_, index) => `t${String(index)} `);

interface MessageRow {
  role: string;
  content: string;
  status: string;
}

/** wrangler.toml requires auth: the tests call as the admin (ADMIN_API_KEY from vitest.config.ts). */
const admin = { authorization: `Bearer ${env.ADMIN_API_KEY}` };

const post = (path: string, body: unknown, signal?: AbortSignal) =>
  exports.default.fetch(`http://worker.test${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...admin },
    body: JSON.stringify(body),
    ...(signal === undefined ? {} : { signal }),
  });

async function rows(): Promise<MessageRow[]> {
  const result = await env.DB.prepare('select role, content, status from messages order by sequence').all<MessageRow>();
  return result.results;
}

/** Waits for the turn's assistant row (written after the client left, inside waitUntil). */
const settledTurn = () => eventually(async () => ((await rows()).length === 2 ? rows() : undefined), 5000);

/** Reads the streamed body until `count` token events arrived; returns them. */
async function readTokens(response: Response, count: number): Promise<string[]> {
  if (!response.body) throw new Error('no body');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  for (;;) {
    const tokens = parseSse(text.slice(0, text.lastIndexOf('\n\n') + 2)).flatMap((event) =>
      typeof event.data?.['token'] === 'string' ? [event.data['token']] : [],
    );
    if (tokens.length >= count) return tokens;
    const { done, value } = await reader.read();
    if (done) throw new Error('stream ended early');
    text += value;
  }
}

beforeEach(async () => {
  await ollama.reset();
  await env.DB.batch([env.DB.prepare('delete from messages'), env.DB.prepare('delete from conversations')]);
});

describe('the deployed Worker (default export)', () => {
  it('answers health, readiness (D1 and Ollama), chat and stream with the configuration from wrangler.toml and stores the turn in D1', async () => {
    const health = await exports.default.fetch('http://worker.test/health');
    expect(health.status).toBe(200);
    expect((await health.json<{ status: string }>()).status).toBe('ok');
    const ready = await exports.default.fetch('http://worker.test/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: { ok: true } } });

    const chat = await post('/api/chat', { message: 'Hi' });
    expect(chat.status).toBe(200);
    expect(await chat.json()).toMatchObject({ response: 'Hello, world!', model: 'ollama/llama3.2' });
    const stream = await post('/api/chat/stream', { message: 'Again' });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect((await readSse(stream)).at(-1)?.data).toMatchObject({ done: true, model: 'ollama/llama3.2' });
    const stored = await env.DB.prepare("select count(*) as n from messages where status = 'complete'").first<{ n: number }>();
    expect(stored?.n).toBe(4);
  });

  it("requires a credential as wrangler.toml ships it (AUTH_REQUIRED = 'true'): 401 without one, the public routes still open, and a key created with the admin key works until it is revoked", async () => {
    const anonymous = await exports.default.fetch('http://worker.test/api/history');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect(await anonymous.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    const placeholder = await exports.default.fetch('http://worker.test/v1/models', {
      headers: { authorization: 'Bearer unused' },
    });
    expect(placeholder.status).toBe(401);
    expect((await exports.default.fetch('http://worker.test/health/live')).status).toBe(200);

    const created = await post('/api/keys', { name: 'script' });
    expect(created.status).toBe(201);
    const { id, key } = await created.json<{ id: string; key: string }>();
    const withKey = (path: string, init: RequestInit = {}) =>
      exports.default.fetch(`http://worker.test${path}`, { ...init, headers: { authorization: `Bearer ${key}` } });
    expect((await withKey('/api/history')).status).toBe(200);
    const revoked = await exports.default.fetch(`http://worker.test/api/keys/${id}`, { method: 'DELETE', headers: admin });
    expect(revoked.status).toBe(200);
    expect((await withKey('/api/history')).status).toBe(401);
  });

  it('cancels the upstream within 1 s and stores the partial answer as aborted when the client disconnects mid-stream', async () => {
    await ollama.setBehaviour({ tokens: TWENTY, tokenDelayMs: 50 });
    const controller = new AbortController();
    const response = await post('/api/chat/stream', { message: 'Long answer' }, controller.signal);
    const seen = await readTokens(response, 3);
    const abortedAt = Date.now();
    controller.abort();

    await ollama.waitForAbort(1, 1000);
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    const [user, assistant] = await settledTurn();
    expect(user).toMatchObject({ role: 'user', status: 'complete' });
    expect(assistant?.status).toBe('aborted');
    expect(assistant?.content.startsWith(seen.join(''))).toBe(true);
    expect(TWENTY.join('').startsWith(assistant?.content ?? 'x')).toBe(true);
    expect(assistant?.content).not.toBe(TWENTY.join(''));
  });

  it('sends keep-alive comments and cancels the upstream when the client leaves before the first token', async () => {
    await ollama.setBehaviour({ tokens: ['never'], firstTokenDelayMs: 3000 });
    const controller = new AbortController();
    const response = await post('/api/chat/stream', { message: 'Slow start' }, controller.signal);
    expect(response.status).toBe(200);
    const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
    const first = await reader?.read();
    expect(first?.value).toBe(': keep-alive\n\n');
    controller.abort();

    await ollama.waitForAbort(1, 1000);
    const [, assistant] = await settledTurn();
    expect(assistant).toMatchObject({ role: 'assistant', status: 'aborted', content: '' });
  });

  it('cancels the upstream and stores the partial answer as aborted when a /api/chat client disconnects (request signal)', async () => {
    await ollama.setBehaviour({ tokens: TWENTY, tokenDelayMs: 50 });
    const controller = new AbortController();
    const pending = post('/api/chat', { message: 'Long answer' }, controller.signal);
    await eventually(async () => ((await ollama.hits('/api/chat')) === 1 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 200));
    controller.abort();
    await expect(pending).rejects.toThrow();

    await ollama.waitForAbort(1, 1000);
    const [, assistant] = await settledTurn();
    expect(assistant?.status).toBe('aborted');
    expect(assistant?.content).not.toBe('');
    expect(TWENTY.join('').startsWith(assistant?.content ?? 'x')).toBe(true);
  });
  it('cancels the upstream and stores an aborted answer when a stream client leaves before the model server answered', async () => {
    await ollama.setBehaviour({ tokens: ['never'], headerDelayMs: 3000 });
    const controller = new AbortController();
    const pending = post('/api/chat/stream', { message: 'No headers yet' }, controller.signal);
    await eventually(async () => ((await ollama.hits('/api/chat')) === 1 ? true : undefined));
    controller.abort();
    await expect(pending).rejects.toThrow();

    await ollama.waitForAbort(1, 1000);
    const [, assistant] = await settledTurn();
    expect(assistant).toMatchObject({ role: 'assistant', status: 'aborted', content: '' });
  });
});

describe('a Worker with a bad variable', () => {
  it('answers every request with a JSON 500 and logs the message naming the variable', async () => {
    const handler = createWorkerHandler();
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      for (const path of ['/health', '/api/history']) {
        const response = await handler.fetch(
          new Request(`http://worker.test${path}`),
          { ...env, KEEPALIVE_SECONDS: 'soon' },
          createExecutionContext(),
        );
        expect(response.status).toBe(500);
        expect(await response.json()).toMatchObject({ code: 'INTERNAL_ERROR', details: [] });
      }
      expect(logged).toHaveBeenCalledWith(expect.stringContaining('KEEPALIVE_SECONDS'));
    } finally {
      logged.mockRestore();
    }
  });
});
