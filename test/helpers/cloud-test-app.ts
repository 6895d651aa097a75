import { afterEach } from 'vitest';
/**
 * The app with every kind of provider configured against fakes on 127.0.0.1: the fake Ollama (from
 * startTestApp), a fake OpenAI, a fake Anthropic and a fake OpenAI-compatible server named `groq`.
 */
import { startFakeAnthropic, type FakeAnthropicOptions } from './fake-anthropic.ts';
import { startFakeOpenAI, type FakeOpenAIOptions } from './fake-openai.ts';
import type { FakeUpstream } from './fake-upstream-server.ts';
import { startTestApp, type TestApp, type TestAppOptions } from './test-app.ts';

export const OPENAI_KEY = 'sk-test-openai-0123456789';
export const ANTHROPIC_KEY = 'sk-ant-test-0123456789';
export const GROQ_KEY = 'gsk_test_0123456789';

export interface CloudTestApp extends TestApp {
  openai: FakeUpstream;
  anthropic: FakeUpstream;
  groq: FakeUpstream;
}

export interface CloudTestAppOptions extends TestAppOptions {
  openai?: FakeOpenAIOptions;
  anthropic?: FakeAnthropicOptions;
  groq?: FakeOpenAIOptions;
}

/** The provider variables for the fakes; tests add or override with `env`. */
export function cloudEnvironment(openai: FakeUpstream, anthropic: FakeUpstream, groq: FakeUpstream): Record<string, string> {
  return {
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: `${openai.url}/v1`,
    OPENAI_MODELS: 'gpt-4o-mini,gpt-4o',
    ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    ANTHROPIC_BASE_URL: `${anthropic.url}/v1`,
    ANTHROPIC_MODELS: 'claude-haiku-4-5,claude-sonnet-4-5',
    OPENAI_COMPATIBLE_PROVIDERS: 'groq',
    GROQ_BASE_URL: `${groq.url}/v1`,
    GROQ_API_KEY: GROQ_KEY,
    GROQ_MODELS: 'llama-3.1-8b-instant',
    // Fast backoff: tests measure attempts, not waiting.
    RETRY_BASE_DELAY_MS: '10',
    RETRY_MAX_DELAY_MS: '40',
  };
}

export async function startCloudTestApp(options: CloudTestAppOptions = {}): Promise<CloudTestApp> {
  const openai = await startFakeOpenAI({ apiKey: OPENAI_KEY, ...options.openai });
  const anthropic = await startFakeAnthropic({ apiKey: ANTHROPIC_KEY, ...options.anthropic });
  const groq = await startFakeOpenAI({ apiKey: GROQ_KEY, models: ['llama-3.1-8b-instant'], ...options.groq });
  let app: TestApp;
  try {
    app = await startTestApp({ ...options, env: { ...cloudEnvironment(openai, anthropic, groq), ...options.env } });
  } catch (error) {
    await Promise.all([openai.close(), anthropic.close(), groq.close()]);
    throw error;
  }
  return {
    ...app,
    openai,
    anthropic,
    groq,
    async close() {
      await app.close();
      await Promise.all([openai.close(), anthropic.close(), groq.close()]);
    },
  };
}

/** The start function of a test file: each call starts an app that is closed after the test that started it. */
export function useCloudTestApp(): (options?: CloudTestAppOptions) => Promise<CloudTestApp> {
  let current: CloudTestApp | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return async (options = {}) => {
    current = await startCloudTestApp(options);
    return current;
  };
}
