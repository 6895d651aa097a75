import { describe, expect, it } from 'vitest';
import { useCloudTestApp, type CloudTestApp } from '../helpers/cloud-test-app.ts';

const start = useCloudTestApp();

const upstreamHits = (app: CloudTestApp) => app.ollama.hits() + app.openai.hits() + app.anthropic.hits() + app.groq.hits();

async function answer(app: CloudTestApp, model: string | undefined) {
  const response = await app.post('/api/generate', { prompt: 'Hi', ...(model === undefined ? {} : { model }) });
  const body = (await response.json()) as { model?: string; code?: string; response?: string };
  return { status: response.status, header: response.headers.get('x-model'), ...body };
}

describe('model names', () => {
  it('sends provider/model to that provider', async () => {
    const app = await start();
    expect(await answer(app, 'openai/gpt-4o')).toMatchObject({ status: 200, model: 'openai/gpt-4o', header: 'openai/gpt-4o' });
    expect(await answer(app, 'anthropic/claude-haiku-4-5')).toMatchObject({ status: 200, model: 'anthropic/claude-haiku-4-5' });
    expect(await answer(app, 'groq/llama-3.1-8b-instant')).toMatchObject({ status: 200, model: 'groq/llama-3.1-8b-instant' });
    expect(await answer(app, 'ollama/llama3.2:1b')).toMatchObject({ status: 200, model: 'ollama/llama3.2:1b' });
    expect([app.openai.hits(), app.anthropic.hits(), app.groq.hits(), app.ollama.hits('/api/chat')]).toEqual([1, 1, 1, 1]);
    expect(app.groq.requests[0]?.body).toMatchObject({ model: 'llama-3.1-8b-instant' });
  });

  it('sends a bare name to DEFAULT_PROVIDER (ollama unless set)', async () => {
    const app = await start();
    expect(await answer(app, 'llama3.2')).toMatchObject({ status: 200, model: 'ollama/llama3.2' });
    expect(await answer(app, undefined)).toMatchObject({ status: 200, model: 'ollama/llama3.2' });
    await app.close();

    const cloud = await start({ env: { DEFAULT_PROVIDER: 'openai', DEFAULT_MODEL: 'gpt-4o-mini' } });
    expect(await answer(cloud, 'gpt-4o')).toMatchObject({ status: 200, model: 'openai/gpt-4o' });
    expect(await answer(cloud, undefined)).toMatchObject({ status: 200, model: 'openai/gpt-4o-mini' });
    expect(cloud.ollama.hits()).toBe(0);
  });

  it('passes an Ollama name with slashes (hf.co/org/model) to Ollama', async () => {
    const app = await start();
    app.ollama.setModels(['hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M']);
    expect(await answer(app, 'hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M')).toMatchObject({
      status: 200,
      model: 'ollama/hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M',
    });
  });

  it.each([
    ['an unconfigured provider', 'mistral/mistral-large'],
    ['a provider left out for its missing key', 'openai/gpt-4o'],
    ['a model the provider is not configured with', 'anthropic/claude-opus-9'],
    ['an empty model name', 'groq/'],
  ])('answers 404 NOT_FOUND with zero upstream calls for %s', async (_case, model) => {
    const app = await start({ env: model.startsWith('openai/') ? { OPENAI_API_KEY: '' } : {} });
    for (const path of ['/api/chat', '/api/chat/stream', '/api/generate', '/generate']) {
      const response = await app.post(
        path,
        path === '/generate' ? { prompt: 'Hi', model } : { message: 'Hi', prompt: 'Hi', model },
      );
      expect(response.status, path).toBe(404);
      expect(((await response.json()) as { code: string }).code).toBe('NOT_FOUND');
    }
    expect(upstreamHits(app)).toBe(0);
    expect(await app.query('select * from messages')).toEqual([]);
  });

  it.each([['http://169.254.169.254/latest'], ['openai//evil.example.com/v1'], ['../../etc/passwd'], ['ollama/../x']])(
    'refuses a model name that looks like a URL or path (%s) with 400 and zero upstream calls',
    async (model) => {
      const app = await start();
      const response = await app.post('/api/chat', { message: 'Hi', model });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { code: string }).code).toBe('INVALID_INPUT');
      expect(upstreamHits(app)).toBe(0);
    },
  );
});

describe('aliases', () => {
  const aliases = 'fast=ollama/llama3.2:1b;smart=openai/gpt-4o-mini,anthropic/claude-haiku-4-5,ollama/llama3.2';

  it('resolves an alias to its model and reports the model that answered', async () => {
    const app = await start({ env: { MODEL_ALIASES: aliases } });
    expect(await answer(app, 'fast')).toMatchObject({ status: 200, model: 'ollama/llama3.2:1b', header: 'ollama/llama3.2:1b' });
    expect(await answer(app, 'smart')).toMatchObject({ status: 200, model: 'openai/gpt-4o-mini' });
    expect([app.ollama.hits('/api/chat'), app.openai.hits(), app.anthropic.hits()]).toEqual([1, 1, 0]);
  });

  it('stores the model that answered on the assistant message', async () => {
    const app = await start({ env: { MODEL_ALIASES: aliases }, openai: { fault: { kind: 'http-error', status: 401 } } });
    const response = await app.post('/api/chat', { message: 'Hi', model: 'smart' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-fallback-count')).toBe('1');
    const rows = await app.query<{ role: string; model: string | null }>('select role, model from messages order by sequence');
    expect(rows).toEqual([
      { role: 'user', model: null },
      { role: 'assistant', model: 'anthropic/claude-haiku-4-5' },
    ]);
  });

  it('can be the default model', async () => {
    const app = await start({ env: { MODEL_ALIASES: aliases, DEFAULT_MODEL: 'smart' } });
    expect(await answer(app, undefined)).toMatchObject({ status: 200, model: 'openai/gpt-4o-mini' });
  });
});
