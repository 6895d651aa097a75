import { describe, expect, it } from 'vitest';
import { unusedLocalUrl } from '../helpers/fake-ollama.ts';
import { ANTHROPIC_KEY, GROQ_KEY, OPENAI_KEY, useCloudTestApp, type CloudTestApp } from '../helpers/cloud-test-app.ts';

const start = useCloudTestApp();

interface Model {
  name: string;
  provider: string;
  available?: boolean;
  error?: string;
  chain?: string[];
}

async function models(app: CloudTestApp): Promise<Model[]> {
  const response = await app.fetch('/api/models');
  expect(response.status).toBe(200);
  return ((await response.json()) as { models: Model[] }).models;
}

const aliases = 'fast=ollama/llama3.2:1b;smart=openai/gpt-4o-mini,anthropic/claude-haiku-4-5,ollama/llama3.2';

describe('GET /api/models with several providers', () => {
  it("lists Ollama's installed models, the configured cloud models and the aliases with their chains", async () => {
    const app = await start({ env: { MODEL_ALIASES: aliases } });
    const listed = await models(app);
    expect(listed.map((model) => [model.name, model.provider])).toEqual([
      ['ollama/llama3.2:latest', 'ollama'],
      ['ollama/llama3.2:1b', 'ollama'],
      ['openai/gpt-4o-mini', 'openai'],
      ['openai/gpt-4o', 'openai'],
      ['anthropic/claude-haiku-4-5', 'anthropic'],
      ['anthropic/claude-sonnet-4-5', 'anthropic'],
      ['groq/llama-3.1-8b-instant', 'groq'],
      ['fast', 'alias'],
      ['smart', 'alias'],
    ]);
    expect(listed.find((model) => model.name === 'smart')?.chain).toEqual([
      'openai/gpt-4o-mini',
      'anthropic/claude-haiku-4-5',
      'ollama/llama3.2',
    ]);
    expect(listed.some((model) => 'available' in model)).toBe(false);
    // Cloud models come from configuration: listing them costs no upstream call.
    expect([app.openai.hits(), app.anthropic.hits(), app.groq.hits()]).toEqual([0, 0, 0]);
  });

  it('lists a provider that does not answer as provider/* with available: false, and the others as usual', async () => {
    const app = await start({ ollamaUrl: await unusedLocalUrl(), env: { MODEL_ALIASES: aliases } });
    const listed = await models(app);
    expect(listed.find((model) => model.provider === 'ollama')).toEqual({
      name: 'ollama/*',
      provider: 'ollama',
      available: false,
      error: 'SERVICE_UNAVAILABLE',
    });
    expect(listed.filter((model) => model.provider === 'openai')).toHaveLength(2);
    expect(listed.filter((model) => model.provider === 'alias')).toHaveLength(2);
  });

  it('lists a named second Ollama server next to the first', async () => {
    const app = await start({ env: { OLLAMA_PROVIDERS: 'gpu', GPU_BASE_URL: await unusedLocalUrl() } });
    const listed = await models(app);
    expect(listed.filter((model) => model.provider === 'ollama')).toHaveLength(2);
    expect(listed.find((model) => model.provider === 'gpu')).toMatchObject({ name: 'gpu/*', available: false });
  });
});

describe('health with several providers', () => {
  it('reports every provider, each checked with its own credentials', async () => {
    const app = await start();
    const response = await app.fetch('/health/ready');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { checks: { providers: Record<string, { ok: boolean }> } };
    expect(Object.keys(body.checks.providers)).toEqual(['ollama', 'openai', 'anthropic', 'groq']);
    expect(Object.values(body.checks.providers).every((check) => check.ok)).toBe(true);
    expect(app.openai.requests.at(-1)).toMatchObject({ path: '/v1/models', headers: { authorization: `Bearer ${OPENAI_KEY}` } });
    expect(app.anthropic.requests.at(-1)).toMatchObject({ path: '/v1/models', headers: { 'x-api-key': ANTHROPIC_KEY } });
    expect(app.groq.requests.at(-1)).toMatchObject({ path: '/v1/models', headers: { authorization: `Bearer ${GROQ_KEY}` } });
  });

  it('is degraded but ready when one provider is down, and names its error code only', async () => {
    const app = await start({ env: { OPENAI_API_KEY: 'sk-revoked' } });
    const ready = await app.fetch('/health/ready');
    expect(ready.status).toBe(200);
    const health = await app.fetch('/api/health');
    expect(health.status).toBe(200);
    const body = (await health.json()) as { status: string; checks: { providers: Record<string, unknown> } };
    expect(body.status).toBe('degraded');
    expect(body.checks.providers['openai']).toEqual({ ok: false, latency_ms: expect.any(Number), error: 'UPSTREAM_ERROR' });
    expect(JSON.stringify(body)).not.toContain('sk-revoked');
  });

  it('is not ready when no provider answers', async () => {
    const down = await unusedLocalUrl();
    const app = await start({
      ollamaUrl: down,
      env: { OPENAI_BASE_URL: `${down}/v1`, ANTHROPIC_BASE_URL: `${down}/v1`, GROQ_BASE_URL: `${down}/v1` },
    });
    const response = await app.fetch('/health/ready');
    expect(response.status).toBe(503);
    expect(((await response.json()) as { status: string }).status).toBe('not_ready');
  });
});
