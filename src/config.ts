import { z } from 'zod';

/** Reads a positive number of seconds and turns it into milliseconds. */
const seconds = (fallback: number) => z.coerce.number().positive().max(86_400).default(fallback);

const optionalNumber = (min: number, max: number) =>
  z.preprocess((value) => (value === '' ? undefined : value), z.coerce.number().min(min).max(max).optional());

const httpUrl = z.url({ protocol: /^https?$/ });

/**
 * The one configuration schema. Every variable is documented in README.md and .dev.vars.example.
 * Values come from process.env on Node/Bun/Deno and from Worker vars/secrets on Cloudflare.
 */
export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8787),
  HOST: z.string().min(1).default('0.0.0.0'),
  OLLAMA_BASE_URL: httpUrl.default('http://localhost:11434'),
  DEFAULT_MODEL: z.string().min(1).default('llama3.2'),
  OLLAMA_MODEL: z.string().min(1).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^(file:|libsql:\/\/|https?:\/\/|wss?:\/\/|:memory:)/, 'must start with file:, libsql://, http(s):// or ws(s)://')
    .default('file:./data/app.db'),
  DATABASE_AUTH_TOKEN: z.string().min(1).optional(),
  DATABASE_BUSY_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
  REQUEST_TIMEOUT_SECONDS: seconds(120),
  FIRST_TOKEN_TIMEOUT_SECONDS: seconds(60),
  MODEL_DEFAULT_TEMPERATURE: optionalNumber(0, 2),
  MODEL_DEFAULT_MAX_TOKENS: optionalNumber(1, 1_000_000),
  MODEL_DEFAULT_TOP_P: optionalNumber(0, 1),
  MAX_MESSAGE_CHARS: z.coerce.number().int().min(1).max(10_000_000).default(32_000),
  MAX_OUTPUT_TOKENS: z.coerce.number().int().min(1).max(1_000_000).default(4_096),
  MAX_BODY_BYTES: z.coerce.number().int().min(1_024).max(100_000_000).default(1_048_576),
  HISTORY_CONTEXT_MESSAGES: z.coerce.number().int().min(0).max(1_000).default(20),
  SYSTEM_PROMPT: z.string().optional(),
  KEEPALIVE_SECONDS: seconds(5),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment once; an invalid value stops start-up with a message naming the variable. */
export function parseConfig(environment: Record<string, unknown>): Config {
  const cleaned: Record<string, unknown> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = environment[key];
    // An empty variable (FOO=) means "not set", as in most .env tooling.
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const result = configSchema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return result.data;
}

/** The model used when a request names none (`OLLAMA_MODEL` wins for compatibility with the container template). */
export function defaultModelName(config: Config): string {
  return config.OLLAMA_MODEL ?? config.DEFAULT_MODEL;
}
