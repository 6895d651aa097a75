import { describe, expect, it } from 'vitest';
import { ConfigError, defaultModelName, parseConfig } from '../src/config.ts';

/** Runs parseConfig and returns the ConfigError it throws (fails the test when it does not throw one). */
function configErrorFor(environment: Record<string, unknown>): ConfigError {
  try {
    parseConfig(environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`parseConfig accepted ${JSON.stringify(environment)}`);
}

describe('parseConfig', () => {
  it('fills every documented default when nothing is set', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      PORT: 8787,
      HOST: '0.0.0.0',
      DATABASE_URL: 'file:./data/app.db',
      OLLAMA_BASE_URL: 'http://localhost:11434',
      DEFAULT_MODEL: 'llama3.2',
      DATABASE_BUSY_TIMEOUT_MS: 5_000,
      REQUEST_TIMEOUT_SECONDS: 120,
      FIRST_TOKEN_TIMEOUT_SECONDS: 60,
      MAX_MESSAGE_CHARS: 32_000,
      MAX_OUTPUT_TOKENS: 4_096,
      MAX_BODY_BYTES: 1_048_576,
      HISTORY_CONTEXT_MESSAGES: 20,
      KEEPALIVE_SECONDS: 5,
      LOG_LEVEL: 'info',
      AUTH_REQUIRED: false,
      AUTH_ALLOW_REGISTRATION: false,
      SESSION_TTL_SECONDS: 604_800,
    });
    for (const unset of [
      'OLLAMA_MODEL',
      'DATABASE_AUTH_TOKEN',
      'MODEL_DEFAULT_TEMPERATURE',
      'MODEL_DEFAULT_MAX_TOKENS',
      'MODEL_DEFAULT_TOP_P',
      'SYSTEM_PROMPT',
      'ADMIN_API_KEY',
      'AUTH_JWT_SECRET',
      'AUTH_JWKS_URL',
      'CORS_ORIGINS',
    ] as const) {
      expect(config[unset], unset).toBeUndefined();
    }
    expect(defaultModelName(config)).toBe('llama3.2');
  });

  it('reads strings from the environment and coerces numbers', () => {
    const config = parseConfig({
      PORT: '3000',
      OLLAMA_BASE_URL: 'https://ollama.example.com',
      DATABASE_URL: 'libsql://db.example.turso.io',
      MAX_MESSAGE_CHARS: '50',
      MODEL_DEFAULT_TEMPERATURE: '0.3',
      KEEPALIVE_SECONDS: '0.5',
      LOG_LEVEL: 'debug',
    });
    expect(config.PORT).toBe(3000);
    expect(config.OLLAMA_BASE_URL).toBe('https://ollama.example.com');
    expect(config.DATABASE_URL).toBe('libsql://db.example.turso.io');
    expect(config.MAX_MESSAGE_CHARS).toBe(50);
    expect(config.MODEL_DEFAULT_TEMPERATURE).toBe(0.3);
    expect(config.KEEPALIVE_SECONDS).toBe(0.5);
    expect(config.LOG_LEVEL).toBe('debug');
  });

  it('ignores variables it does not know', () => {
    const config = parseConfig({ PATH: '/usr/bin', HOME: '/root', NOT_A_SETTING: 'x' });
    expect(config).not.toHaveProperty('PATH');
    expect(config).not.toHaveProperty('NOT_A_SETTING');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['OLLAMA_BASE_URL', 'notaurl'],
    ['OLLAMA_BASE_URL', 'ftp://ollama.example.com'],
    ['LOG_LEVEL', 'loud'],
    ['MAX_MESSAGE_CHARS', '0'],
    ['MAX_OUTPUT_TOKENS', '-1'],
    ['MAX_BODY_BYTES', '10'],
    ['DATABASE_URL', 'postgres://x'],
    ['KEEPALIVE_SECONDS', '0'],
    ['MODEL_DEFAULT_TEMPERATURE', '3'],
    ['MODEL_DEFAULT_TOP_P', 'high'],
    ['AUTH_REQUIRED', 'maybe'],
    ['ADMIN_API_KEY', 'too-short'],
    ['AUTH_JWT_SECRET', 'short secret'],
    ['AUTH_JWKS_URL', 'not a url'],
    ['SESSION_TTL_SECONDS', '0'],
    ['CORS_ORIGINS', 'https://app.example/path'],
    ['CORS_ORIGINS', 'app.example'],
    ['AUTH_JWT_HEADER', 'Bad Header'],
  ])('%s=%s is refused with a ConfigError naming the variable', (name, value) => {
    const error = configErrorFor({ [name]: value });
    expect(error.name).toBe('ConfigError');
    expect(error.message).toContain(name);
    // Only the bad variable is named.
    expect(error.message.match(/[A-Z_]{3,}(?=:)/g)).toEqual([name]);
  });

  it('names every bad variable when several are wrong', () => {
    const error = configErrorFor({ PORT: 'abc', LOG_LEVEL: 'loud', DATABASE_URL: 'postgres://x' });
    for (const name of ['PORT', 'LOG_LEVEL', 'DATABASE_URL']) expect(error.message).toContain(name);
  });

  it('takes an empty string as unset', () => {
    const config = parseConfig({
      PORT: '',
      OLLAMA_BASE_URL: '',
      DATABASE_URL: '',
      LOG_LEVEL: '',
      MAX_MESSAGE_CHARS: '',
      OLLAMA_MODEL: '',
      MODEL_DEFAULT_TEMPERATURE: '',
      SYSTEM_PROMPT: '',
    });
    expect(config.PORT).toBe(8787);
    expect(config.OLLAMA_BASE_URL).toBe('http://localhost:11434');
    expect(config.DATABASE_URL).toBe('file:./data/app.db');
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.MAX_MESSAGE_CHARS).toBe(32_000);
    expect(config.OLLAMA_MODEL).toBeUndefined();
    expect(config.MODEL_DEFAULT_TEMPERATURE).toBeUndefined();
    expect(config.SYSTEM_PROMPT).toBeUndefined();
    expect(defaultModelName(config)).toBe('llama3.2');
  });

  it('reads the auth and CORS variables: booleans as true/false/1/0, origins as a list or *', () => {
    const config = parseConfig({
      AUTH_REQUIRED: 'true',
      AUTH_ALLOW_REGISTRATION: '1',
      CORS_ORIGINS: 'https://a.example, http://localhost:5173/',
    });
    expect(config.AUTH_REQUIRED).toBe(true);
    expect(config.AUTH_ALLOW_REGISTRATION).toBe(true);
    expect(config.CORS_ORIGINS).toEqual(['https://a.example', 'http://localhost:5173']);
    expect(parseConfig({ CORS_ORIGINS: '*', AUTH_REQUIRED: 'false' })).toMatchObject({ CORS_ORIGINS: '*', AUTH_REQUIRED: false });
  });

  it('uses OLLAMA_MODEL over DEFAULT_MODEL as the default model', () => {
    expect(defaultModelName(parseConfig({ DEFAULT_MODEL: 'qwen3' }))).toBe('qwen3');
    expect(defaultModelName(parseConfig({ DEFAULT_MODEL: 'qwen3', OLLAMA_MODEL: 'llama3.2:1b' }))).toBe('llama3.2:1b');
  });
});
