import { afterEach, describe, expect, it } from 'vitest';
import {
  ANTHROPIC_KEY,
  GROQ_KEY,
  startCloudTestApp,
  type CloudTestApp,
  type CloudTestAppOptions,
} from '../helpers/cloud-test-app.ts';
import { startFakeOllama, unusedLocalUrl, type FakeOllama } from '../helpers/fake-ollama.ts';
import { startFakeOpenAI } from '../helpers/fake-openai.ts';
import type { FakeUpstream } from '../helpers/fake-upstream-server.ts';
import { readSse } from '../helpers/test-app.ts';

let api: CloudTestApp | undefined;
const extra: (FakeOllama | FakeUpstream)[] = [];
afterEach(async () => {
  await api?.close();
  api = undefined;
  await Promise.all(extra.splice(0).map((fake) => fake.close()));
});
async function start(options: CloudTestAppOptions = {}): Promise<CloudTestApp> {
  api = await startCloudTestApp(options);
  return api;
}

describe('anthropic provider', () => {
  it('calls the Messages API with its key and version, the system prompt and the limits, and stores the answer', async () => {
    const app = await start({ anthropic: { tokens: ['Bon', 'jour'] } });
    const response = await app.post('/api/chat', {
      message: 'Hello',
      model: 'anthropic/claude-sonnet-4-5',
      system: 'Answer in French',
      parameters: { temperature: 0.5, max_tokens: 64 },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-model')).toBe('anthropic/claude-sonnet-4-5');
    expect(await response.json()).toMatchObject({ response: 'Bonjour', finish_reason: 'stop', usage: { output_tokens: 2 } });
    const [request] = app.anthropic.requests;
    expect(request?.path).toBe('/v1/messages');
    expect(request?.headers).toMatchObject({ 'x-api-key': ANTHROPIC_KEY, 'anthropic-version': '2023-06-01' });
    expect(request?.headers['origin']).toBeUndefined();
    expect(request?.body).toMatchObject({
      model: 'claude-sonnet-4-5',
      stream: true,
      max_tokens: 64,
      temperature: 0.5,
      system: [{ type: 'text', text: 'Answer in French' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
    });
  });

  it('streams SSE tokens and the done event', async () => {
    const app = await start({ anthropic: { tokens: ['x', 'y'] } });
    const events = await readSse(
      await app.post('/api/generate', { prompt: 'Hi', model: 'anthropic/claude-haiku-4-5', stream: true }),
    );
    expect(events.flatMap((event) => (typeof event.data?.['response'] === 'string' ? [event.data['response']] : []))).toEqual([
      'x',
      'y',
    ]);
    expect(events.at(-1)?.data).toMatchObject({ done: true, model: 'anthropic/claude-haiku-4-5', usage: { output_tokens: 2 } });
  });
});

describe('OpenAI-compatible providers', () => {
  it('sends the key, the extra headers and include_usage to each named provider', async () => {
    const lmstudio = await startFakeOpenAI({ apiKey: 'lm-studio', models: ['qwen2.5-7b-instruct'] });
    extra.push(lmstudio);
    const app = await start({
      env: {
        OPENAI_COMPATIBLE_PROVIDERS: 'groq,lmstudio',
        GROQ_HEADERS: '{"X-Groq-Team":"research"}',
        LMSTUDIO_BASE_URL: `${lmstudio.url}/v1`,
        LMSTUDIO_API_KEY: 'lm-studio',
      },
    });
    expect(await (await app.post('/generate', { prompt: 'Hi', model: 'groq/llama-3.1-8b-instant' })).json()).toMatchObject({
      response: 'Hello, world!',
      model: 'groq/llama-3.1-8b-instant',
    });
    expect((await app.post('/generate', { prompt: 'Hi', model: 'lmstudio/qwen2.5-7b-instruct' })).status).toBe(200);
    expect(app.groq.requests[0]?.headers).toMatchObject({ authorization: `Bearer ${GROQ_KEY}`, 'x-groq-team': 'research' });
    expect(app.groq.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(lmstudio.requests[0]?.headers['authorization']).toBe('Bearer lm-studio');
  });

  it('is absent, with 404 and no call, when its key is not set', async () => {
    const app = await start({ env: { GROQ_API_KEY: '' } });
    expect((await app.post('/api/generate', { prompt: 'Hi', model: 'groq/llama-3.1-8b-instant' })).status).toBe(404);
    expect(app.groq.hits()).toBe(0);
  });
});

describe('several Ollama servers', () => {
  it('serves gpu/model from the named server with its own headers, and falls back from it to the local one and to the cloud', async () => {
    const gpu = await startFakeOllama();
    extra.push(gpu);
    const app = await start({
      env: {
        OLLAMA_PROVIDERS: 'gpu',
        GPU_BASE_URL: gpu.url,
        GPU_HEADERS: '{"CF-Access-Client-Id":"gpu-id","CF-Access-Client-Secret":"gpu-secret"}',
        MODEL_ALIASES: 'llama=gpu/llama3.2,ollama/llama3.2,openai/gpt-4o-mini',
      },
    });
    const first = await app.post('/api/chat', { message: 'Hi', model: 'llama' });
    expect(first.headers.get('x-model')).toBe('gpu/llama3.2');
    expect(gpu.requests[0]?.headers).toMatchObject({ 'cf-access-client-id': 'gpu-id', 'cf-access-client-secret': 'gpu-secret' });
    expect(app.ollama.hits()).toBe(0);

    gpu.setBehaviour({ fault: { kind: 'refuse' } });
    const second = await app.post('/api/chat', { message: 'Hi', model: 'llama' });
    expect(second.headers.get('x-model')).toBe('ollama/llama3.2');
    expect(second.headers.get('x-fallback-count')).toBe('1');

    app.ollama.setBehaviour({ fault: { kind: 'http-error', status: 500, body: '{"error":"out of memory"}' } });
    const third = await app.post('/api/chat', { message: 'Hi', model: 'llama' });
    expect(third.headers.get('x-model')).toBe('openai/gpt-4o-mini');
    expect(third.headers.get('x-fallback-count')).toBe('2');
    expect(app.ollama.requests[0]?.headers['cf-access-client-id']).toBeUndefined();
  });

  it('answers from the cloud fallback when the tunneled Ollama is down, on every route', async () => {
    const app = await start({
      ollamaUrl: await unusedLocalUrl(),
      env: { MODEL_ALIASES: 'llama=ollama/llama3.2,openai/gpt-4o-mini', DEFAULT_MODEL: 'llama' },
    });
    for (const [path, body] of [
      ['/api/chat', { message: 'Hi' }],
      ['/api/generate', { prompt: 'Hi' }],
      ['/api/v1/generate', { prompt: 'Hi' }],
      ['/generate', { prompt: 'Hi' }],
      ['/ask', { question: 'Hi' }],
    ] as const) {
      const response = await app.post(path, body);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('x-model'), path).toBe('openai/gpt-4o-mini');
    }
  });
});
