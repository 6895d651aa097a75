import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, type Config } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { buildModelRegistry } from '../../src/providers/build-registry.ts';

function configError(environment: Record<string, unknown>): ConfigError {
  try {
    parseConfig(environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`parseConfig accepted ${JSON.stringify(environment)}`);
}

const provider = (config: Config, name: string) => config.providers.find((entry) => entry.name === name);

describe('providers from configuration', () => {
  it('has only Ollama by default, and leaves out OpenAI and Anthropic without their keys, saying why', () => {
    const config = parseConfig({});
    expect(config.providers.map((entry) => entry.name)).toEqual(['ollama']);
    expect(config.absentProviders).toEqual([
      { name: 'openai', reason: 'OPENAI_API_KEY is not set' },
      { name: 'anthropic', reason: 'ANTHROPIC_API_KEY is not set' },
    ]);
    expect(config.DEFAULT_PROVIDER).toBe('ollama');
    expect(provider(config, 'ollama')).toMatchObject({
      kind: 'ollama',
      baseUrl: 'http://localhost:11434',
      headers: {},
      models: undefined,
      limits: { headersTimeoutMs: 60_000, firstTokenTimeoutMs: 60_000, tokenGapTimeoutMs: 30_000, maxAttempts: 1 },
    });
  });

  it('logs one start-up line per provider, configured or left out, without secrets', async () => {
    const lines: string[] = [];
    const config = parseConfig({
      OPENAI_API_KEY: 'sk-secret-1',
      OPENAI_MODELS: 'gpt-4o-mini',
      OPENAI_COMPATIBLE_PROVIDERS: 'groq',
      GROQ_BASE_URL: 'https://api.groq.com/openai/v1',
    });
    await buildModelRegistry(config, { logger: createLogger('info', (line) => lines.push(line)) });
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.map((entry) => [entry['message'], entry['provider']])).toEqual([
      ['provider configured', 'ollama'],
      ['provider configured', 'openai'],
      ['provider not configured', 'anthropic'],
      ['provider not configured', 'groq'],
    ]);
    expect(entries[3]).toMatchObject({ reason: 'GROQ_API_KEY is not set' });
    expect(lines.join('\n')).not.toContain('sk-secret-1');
  });

  it('reads cloud and OpenAI-compatible providers from prefixed variables with their defaults', () => {
    const config = parseConfig({
      OPENAI_API_KEY: 'sk-1',
      OPENAI_MODELS: 'gpt-4o-mini, gpt-4o',
      ANTHROPIC_API_KEY: 'sk-ant-1',
      OPENAI_COMPATIBLE_PROVIDERS: 'groq,lm-studio',
      GROQ_BASE_URL: 'https://api.groq.com/openai/v1/',
      GROQ_API_KEY: 'gsk_1',
      GROQ_HEADERS: '{"X-Team":"a"}',
      GROQ_MAX_ATTEMPTS: '5',
      LM_STUDIO_BASE_URL: 'http://127.0.0.1:1234/v1',
      LM_STUDIO_API_KEY: 'lm-studio',
      LM_STUDIO_FIRST_TOKEN_TIMEOUT_SECONDS: '300',
    });
    expect(config.providers.map((entry) => [entry.name, entry.kind])).toEqual([
      ['ollama', 'ollama'],
      ['openai', 'openai'],
      ['anthropic', 'anthropic'],
      ['groq', 'openai-compatible'],
      ['lm-studio', 'openai-compatible'],
    ]);
    expect(provider(config, 'openai')).toMatchObject({
      baseUrl: 'https://api.openai.com/v1',
      apiKey: 'sk-1',
      models: ['gpt-4o-mini', 'gpt-4o'],
      limits: { maxAttempts: 3 },
    });
    expect(provider(config, 'anthropic')).toMatchObject({ baseUrl: 'https://api.anthropic.com/v1', models: undefined });
    expect(provider(config, 'groq')).toMatchObject({
      baseUrl: 'https://api.groq.com/openai/v1',
      headers: { 'X-Team': 'a' },
      limits: { maxAttempts: 5 },
    });
    expect(provider(config, 'lm-studio')?.limits).toEqual({
      headersTimeoutMs: 300_000,
      firstTokenTimeoutMs: 300_000,
      tokenGapTimeoutMs: 30_000,
      maxAttempts: 3,
    });
  });

  it('applies global limits under per-provider ones', () => {
    const config = parseConfig({
      FIRST_TOKEN_TIMEOUT_SECONDS: '20',
      HEADERS_TIMEOUT_SECONDS: '5',
      TOKEN_GAP_TIMEOUT_SECONDS: '7',
      RETRY_MAX_ATTEMPTS: '2',
      OLLAMA_FIRST_TOKEN_TIMEOUT_SECONDS: '120',
      OLLAMA_HEADERS_TIMEOUT_SECONDS: '120',
      OPENAI_API_KEY: 'sk-1',
    });
    expect(provider(config, 'ollama')?.limits).toEqual({
      headersTimeoutMs: 120_000,
      firstTokenTimeoutMs: 120_000,
      tokenGapTimeoutMs: 7_000,
      maxAttempts: 2,
    });
    expect(provider(config, 'openai')?.limits).toEqual({
      headersTimeoutMs: 5_000,
      firstTokenTimeoutMs: 20_000,
      tokenGapTimeoutMs: 7_000,
      maxAttempts: 2,
    });
  });

  it('adds named Ollama servers, with tunnel headers and credentials from the URL as a Basic Authorization header', () => {
    const config = parseConfig({
      OLLAMA_HEADERS: '{"ngrok-skip-browser-warning":"true"}',
      OLLAMA_PROVIDERS: 'gpu',
      GPU_BASE_URL: 'https://alice:s%C3%A9cret%3A1@gpu.example.com/',
      GPU_HEADERS: '{"CF-Access-Client-Id":"id.access","CF-Access-Client-Secret":"shh"}',
    });
    expect(provider(config, 'ollama')?.headers).toEqual({ 'ngrok-skip-browser-warning': 'true' });
    const gpu = provider(config, 'gpu');
    expect(gpu).toMatchObject({ kind: 'ollama', baseUrl: 'https://gpu.example.com' });
    expect(gpu?.headers).toEqual({
      'CF-Access-Client-Id': 'id.access',
      'CF-Access-Client-Secret': 'shh',
      Authorization: `Basic ${Buffer.from('alice:sécret:1').toString('base64')}`,
    });
  });

  it('sends an Ollama API key as a bearer token (Ollama behind an auth proxy)', () => {
    expect(provider(parseConfig({ OLLAMA_API_KEY: 'k-1' }), 'ollama')?.headers).toEqual({ Authorization: 'Bearer k-1' });
  });

  it('parses aliases with fallback chains and prices per model or per provider', () => {
    const config = parseConfig({
      MODEL_ALIASES: ' fast = ollama/llama3.2:1b ; smart=openai/gpt-4o-mini, ollama/llama3.1;',
      MODEL_PRICES: 'openai/gpt-4o-mini=0.15/0.6;ollama/*=0/0',
    });
    expect(config.MODEL_ALIASES).toEqual({ fast: ['ollama/llama3.2:1b'], smart: ['openai/gpt-4o-mini', 'ollama/llama3.1'] });
    expect(config.MODEL_PRICES).toEqual({
      'openai/gpt-4o-mini': { input: 0.15, output: 0.6 },
      'ollama/*': { input: 0, output: 0 },
    });
  });

  it('uses DEFAULT_PROVIDER for bare model names, and refuses one that is not configured', () => {
    expect(parseConfig({ DEFAULT_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-1' }).DEFAULT_PROVIDER).toBe('openai');
    expect(configError({ DEFAULT_PROVIDER: 'openai' }).message).toContain(
      "DEFAULT_PROVIDER: provider 'openai' is not configured (OPENAI_API_KEY is not set)",
    );
  });

  it.each([
    [{ GROQ_BASE_URL: 'x' }, 'OPENAI_COMPATIBLE_PROVIDERS', { OPENAI_COMPATIBLE_PROVIDERS: 'Groq' }],
    [{}, 'OPENAI_COMPATIBLE_PROVIDERS', { OPENAI_COMPATIBLE_PROVIDERS: 'groq,groq' }],
    [{}, 'OLLAMA_PROVIDERS', { OLLAMA_PROVIDERS: 'openai' }],
    [
      { GROQ_BASE_URL: 'http://g', GROQ_API_KEY: 'k' },
      'OPENAI_COMPATIBLE_PROVIDERS',
      { OLLAMA_PROVIDERS: 'groq', OPENAI_COMPATIBLE_PROVIDERS: 'groq' },
    ],
    [{ GROQ_API_KEY: 'k' }, 'GROQ_BASE_URL', { OPENAI_COMPATIBLE_PROVIDERS: 'groq' }],
    [{ GROQ_API_KEY: 'k', GROQ_BASE_URL: 'ftp://groq' }, 'GROQ_BASE_URL', { OPENAI_COMPATIBLE_PROVIDERS: 'groq' }],
    [
      { GROQ_API_KEY: 'k', GROQ_BASE_URL: 'http://g', GROQ_HEADERS: '["a"]' },
      'GROQ_HEADERS',
      { OPENAI_COMPATIBLE_PROVIDERS: 'groq' },
    ],
    [
      { GROQ_API_KEY: 'k', GROQ_BASE_URL: 'http://g', GROQ_HEADERS: '{"a b":"c"}' },
      'GROQ_HEADERS',
      { OPENAI_COMPATIBLE_PROVIDERS: 'groq' },
    ],
    [
      { GROQ_API_KEY: 'k', GROQ_BASE_URL: 'http://g', GROQ_MAX_ATTEMPTS: '0' },
      'GROQ_MAX_ATTEMPTS',
      { OPENAI_COMPATIBLE_PROVIDERS: 'groq' },
    ],
    [{ OLLAMA_HEADERS: '{"x":1}' }, 'OLLAMA_HEADERS', {}],
    [{ OPENAI_API_KEY: 'k', OPENAI_FIRST_TOKEN_TIMEOUT_SECONDS: '-1' }, 'OPENAI_FIRST_TOKEN_TIMEOUT_SECONDS', {}],
    [{ OLLAMA_API_KEY: 'k', OLLAMA_BASE_URL: 'https://u:p@ollama.example.com' }, 'OLLAMA_BASE_URL', {}],
    [{ OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'https://u:p@proxy.example.com/v1' }, 'OPENAI_BASE_URL', {}],
    [{ MODEL_ALIASES: 'fast' }, 'MODEL_ALIASES', {}],
    [{ MODEL_ALIASES: 'fast=http://169.254.169.254/x' }, 'MODEL_ALIASES', {}],
    [{ MODEL_ALIASES: 'a/b=ollama/x' }, 'MODEL_ALIASES', {}],
    [{ MODEL_ALIASES: 'a=ollama/x;a=ollama/y' }, 'MODEL_ALIASES', {}],
    [{ MODEL_PRICES: 'openai/gpt-4o=cheap' }, 'MODEL_PRICES', {}],
    [{ MODEL_PRICES: 'gpt-4o=1/2' }, 'MODEL_PRICES', {}],
    [{ DEFAULT_PROVIDER: 'Not A Name' }, 'DEFAULT_PROVIDER', {}],
    [{ RETRY_MAX_ATTEMPTS: '11' }, 'RETRY_MAX_ATTEMPTS', {}],
  ])('refuses %j, naming %s', (environment, variable, extra) => {
    const error = configError({ ...extra, ...environment });
    expect(error.message).toContain(`${variable}:`);
  });

  it('never puts a secret in a configuration error', () => {
    const error = configError({ OLLAMA_API_KEY: 'k-secret', OLLAMA_BASE_URL: 'https://user:pass-secret@ollama.example.com' });
    expect(error.message).not.toMatch(/k-secret|pass-secret/);
  });

  it('refuses an alias model that a provider does not offer, naming MODEL_ALIASES', async () => {
    const config = parseConfig({ OPENAI_API_KEY: 'k', OPENAI_MODELS: 'gpt-4o', MODEL_ALIASES: 'smart=openai/gpt-5' });
    await expect(buildModelRegistry(config)).rejects.toThrow(/MODEL_ALIASES: Model not found: 'openai' does not offer it/);
  });

  it('leaves alias models on providers without a key out of the chain, with a warning', async () => {
    const lines: string[] = [];
    const config = parseConfig({ MODEL_ALIASES: 'smart=openai/gpt-4o-mini,ollama/llama3.1;cloud=anthropic/claude-haiku-4-5' });
    const registry = await buildModelRegistry(config, { logger: createLogger('warn', (line) => lines.push(line)) });
    const smart = registry.resolve('smart');
    expect([smart.model.id, ...smart.fallbacks.map((model) => model.id)]).toEqual(['ollama/llama3.1']);
    expect(() => registry.resolve('cloud')).toThrow(/none of the models of 'cloud' is configured/);
    expect(lines.map((line) => (JSON.parse(line) as { model: string }).model)).toEqual([
      'openai/gpt-4o-mini',
      'anthropic/claude-haiku-4-5',
    ]);
  });
});
