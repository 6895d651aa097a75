import { describe, it, expect, afterEach } from 'vitest';
import { startFakeOllama, unusedLocalUrl, type FakeOllama } from './helpers/fake-ollama.ts';

const CREATED_AT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/;

let fake: FakeOllama | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(...args: Parameters<typeof startFakeOllama>): Promise<FakeOllama> {
  fake = await startFakeOllama(...args);
  return fake;
}

function post(url: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
}

function ndjson(text: string): Record<string, unknown>[] {
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const chatBody = { model: 'llama3.2', messages: [{ role: 'user', content: 'Hi there' }] };

function chatContent(chunk: Record<string, unknown>): string {
  const message = chunk['message'] as { role: string; content: string };
  expect(message.role).toBe('assistant');
  return message.content;
}

describe('fake ollama wire format', () => {
  it('streams /api/chat as NDJSON ending with a done chunk', async () => {
    const f = await start();
    const res = await post(`${f.url}/api/chat`, chatBody);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const text = await res.text();
    const lines = ndjson(text);
    expect(lines).toHaveLength(5);
    expect(Object.keys(lines[0] ?? {})).toEqual(['model', 'created_at', 'message', 'done']);
    for (const line of lines) {
      expect(line['model']).toBe('llama3.2');
      expect(line['created_at']).toMatch(CREATED_AT);
    }
    expect(lines.slice(0, -1).every((l) => l['done'] === false)).toBe(true);
    expect(lines.map(chatContent).join('')).toBe('Hello, world!');
    const last = lines.at(-1) ?? {};
    expect(Object.keys(last)).toEqual([
      'model',
      'created_at',
      'message',
      'done_reason',
      'done',
      'total_duration',
      'load_duration',
      'prompt_eval_count',
      'prompt_eval_duration',
      'eval_count',
      'eval_duration',
    ]);
    expect(last).toMatchObject({
      message: { role: 'assistant', content: '' },
      done: true,
      done_reason: 'stop',
      eval_count: 4,
      prompt_eval_count: 2, // ceil('Hi there'.length / 4)
    });
    expect(f.hits('/api/chat')).toBe(1);
    expect(f.requests[0]).toMatchObject({ method: 'POST', path: '/api/chat', body: chatBody });
  });

  it('returns one JSON object for stream:false', async () => {
    const f = await start({ promptEvalCount: 42 });
    const res = await post(`${f.url}/api/chat`, { ...chatBody, model: 'llama3.2:1b', stream: false });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      model: 'llama3.2:1b',
      message: { role: 'assistant', content: 'Hello, world!' },
      done: true,
      done_reason: 'stop',
      prompt_eval_count: 42,
      eval_count: 4,
    });
    expect(body['created_at']).toMatch(CREATED_AT);
  });

  it('streams /api/generate with response fields and context', async () => {
    const f = await start({ tokens: ['a', 'b'] });
    const lines = ndjson(await (await post(`${f.url}/api/generate`, { model: 'llama3.2', prompt: 'Why?' })).text());
    expect(lines.map((l) => l['response']).join('')).toBe('ab');
    expect(lines[0]).not.toHaveProperty('message');
    expect(lines.at(-1)).toMatchObject({
      response: '',
      done: true,
      done_reason: 'stop',
      context: [1, 2, 3],
      eval_count: 2,
      prompt_eval_count: 1,
    });
  });

  it("404s unknown models with Ollama's exact error body", async () => {
    const f = await start();
    const res = await post(`${f.url}/api/chat`, { ...chatBody, model: 'nope:7b' });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.text()).toBe(`{"error":"model 'nope:7b' not found"}`);
    expect((await post(`${f.url}/api/chat`, { ...chatBody, model: 'llama3.2:latest' })).status).toBe(200);
    f.setModels(['qwen2.5:0.5b']);
    expect((await post(`${f.url}/api/chat`, chatBody)).status).toBe(404);
    expect((await post(`${f.url}/api/chat`, { ...chatBody, model: 'qwen2.5:0.5b' })).status).toBe(200);
  });

  it('rejects invalid JSON like Go does', async () => {
    const f = await start();
    const res = await post(`${f.url}/api/chat`, 'xyz');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "invalid character 'x' looking for beginning of value" });
    expect(f.requests[0]?.body).toBe('xyz');
  });

  it('serves tags, version and a Go-style 404', async () => {
    const f = await start();
    const tags = (await (await fetch(`${f.url}/api/tags`)).json()) as { models: Record<string, unknown>[] };
    expect(tags.models.map((m) => m['name'])).toEqual(['llama3.2:latest', 'llama3.2:1b']);
    expect(tags.models[0]).toMatchObject({
      model: 'llama3.2:latest',
      modified_at: '2026-10-01T12:00:00.000000000Z',
      size: 2019393189,
      details: { format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
    });
    expect(tags.models[0]?.['digest']).toMatch(/^[0-9a-f]{64}$/);
    expect(await (await fetch(`${f.url}/api/version`)).json()).toEqual({ version: '0.12.6' });
    const missing = await fetch(`${f.url}/api/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('404 page not found');
    expect(f.hits()).toBe(3);
  });

  it('streams /api/pull progress as NDJSON (omitempty fields, success last) and lists the model afterwards', async () => {
    const f = await start();
    const res = await post(`${f.url}/api/pull`, { model: 'qwen3:0.6b' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = ndjson(await res.text());
    expect(lines[0]).toEqual({ status: 'pulling manifest' });
    const layer = lines[1] as { status: string; digest: string; total: number };
    expect(Object.keys(layer)).toEqual(['status', 'digest', 'total']);
    expect(layer.status).toBe(`pulling ${layer.digest.slice(7, 19)}`);
    expect(layer.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(lines[2]).toEqual({ ...layer, completed: layer.total / 2 });
    expect(lines.slice(-3)).toEqual([
      { status: 'verifying sha256 digest' },
      { status: 'writing manifest' },
      { status: 'success' },
    ]);
    const tags = (await (await fetch(`${f.url}/api/tags`)).json()) as { models: { name: string }[] };
    expect(tags.models.map((m) => m.name)).toContain('qwen3:0.6b');
  });

  it('reports a failed pull as an error line under the 200, and a bad request as 400', async () => {
    const f = await start({ pullError: 'pull model manifest: file does not exist' });
    const res = await post(`${f.url}/api/pull`, { model: 'no-such-model' });
    expect(res.status).toBe(200);
    expect(ndjson(await res.text())).toEqual([
      { status: 'pulling manifest' },
      { error: 'pull model manifest: file does not exist' },
    ]);
    const bad = await post(`${f.url}/api/pull`, {});
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'invalid model name' });
  });
});

describe('fake ollama behaviours', () => {
  it('reset-after-tokens makes the body read fail after headers', async () => {
    const f = await start({ fault: { kind: 'reset-after-tokens', after: 2 } });
    const res = await post(`${f.url}/api/chat`, chatBody);
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    expect(f.abortedRequests()).toBe(0);
  });

  it('refuse makes fetch itself fail', async () => {
    const f = await start({ fault: { kind: 'refuse' } });
    await expect(post(`${f.url}/api/chat`, chatBody)).rejects.toThrow();
    await expect(fetch(await unusedLocalUrl())).rejects.toThrow();
  });

  it('error-after-tokens and http-error', async () => {
    const f = await start();
    f.enqueue(
      { fault: { kind: 'error-after-tokens', after: 1, message: 'boom' } },
      { fault: { kind: 'http-error', status: 503, body: 'busy', contentType: 'text/plain', headers: { 'retry-after': '1' } } },
    );
    const lines = ndjson(await (await post(`${f.url}/api/chat`, chatBody)).text());
    expect(lines).toEqual([expect.objectContaining({ done: false }), { error: 'boom' }]);
    const res = await post(`${f.url}/api/chat`, chatBody);
    expect([res.status, res.headers.get('retry-after'), await res.text()]).toEqual([503, '1', 'busy']);
  });

  it('enqueue consumes one-shot behaviours in order, then falls back to the default', async () => {
    const f = await start();
    f.setBehaviour({ tokens: ['d'] });
    f.enqueue({ tokens: ['a'] }, { tokens: ['b', 'c'] });
    expect(await (await fetch(`${f.url}/api/version`)).json()).toEqual({ version: '0.12.6' }); // does not consume
    const contents: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await post(`${f.url}/api/chat`, { ...chatBody, stream: false });
      contents.push(chatContent((await res.json()) as Record<string, unknown>));
    }
    expect(contents).toEqual(['a', 'bc', 'd']);
    f.reset();
    expect(f.requests).toHaveLength(0);
    const res = await post(`${f.url}/api/chat`, { ...chatBody, stream: false });
    expect(chatContent((await res.json()) as Record<string, unknown>)).toBe('Hello, world!');
  });

  it('counts a client abort mid-stream and stops writing', async () => {
    const f = await start({ tokenDelayMs: 20, tokens: Array.from({ length: 100 }, (_, i) => `t${i}`) });
    const ac = new AbortController();
    const res = await post(`${f.url}/api/chat`, chatBody, { signal: ac.signal });
    const reader = res.body?.getReader();
    const first = await reader?.read();
    expect(first?.done).toBe(false);
    ac.abort();
    await f.waitForAbort();
    expect(f.abortedRequests()).toBe(1);
  });

  it('counts aborts while stalled before headers; waitForAbort times out otherwise', async () => {
    const f = await start({ fault: { kind: 'stall-before-headers' } });
    const ac = new AbortController();
    const pending = post(`${f.url}/api/chat`, chatBody, { signal: ac.signal });
    await expect(f.waitForAbort(1, 100)).rejects.toThrow(/aborted request/);
    ac.abort();
    await expect(pending).rejects.toThrow();
    await f.waitForAbort(1);
    expect(f.abortedRequests()).toBe(1);
  });

  it('stall-after-headers delivers headers, and close() ends stalled connections', async () => {
    const f = await start({ fault: { kind: 'stall-after-headers' } });
    const res = await post(`${f.url}/api/chat`, chatBody);
    expect(res.status).toBe(200);
    const body = res.text();
    await f.close();
    fake = undefined;
    await expect(body).rejects.toThrow();
  });

  it('eof-before-done and done-reason-without-done end without a done:true chunk', async () => {
    const f = await start();
    f.enqueue({ fault: { kind: 'eof-before-done', after: 3 } }, { fault: { kind: 'done-reason-without-done' } });
    const a = ndjson(await (await post(`${f.url}/api/chat`, chatBody)).text());
    expect(a.map(chatContent).join('')).toBe('Hello, world');
    expect(a.some((l) => l['done'] === true)).toBe(false);
    const b = ndjson(await (await post(`${f.url}/api/chat`, chatBody)).text());
    expect(b).toHaveLength(5);
    expect(b.at(-1)).toMatchObject({ done_reason: 'stop', done: false });
  });
});
