import { z } from 'zod';
import {
  booleanFlag,
  modelAliases,
  modelPrices,
  originList,
  providerNameList,
  providerNamePattern,
  type ModelPrice,
} from './config/config-formats.ts';
import { readProviderSettings, type AbsentProvider, type ProviderConfig, type ProviderKind } from './config/provider-settings.ts';

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
  /** How long one attempt of an answer's final write may take before it is tried again (D1 and libSQL alike). */
  DATABASE_WRITE_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(5_000),
  REQUEST_TIMEOUT_SECONDS: seconds(120),
  FIRST_TOKEN_TIMEOUT_SECONDS: seconds(60),
  HEADERS_TIMEOUT_SECONDS: z.coerce.number().positive().max(86_400).optional(),
  TOKEN_GAP_TIMEOUT_SECONDS: seconds(30),
  RETRY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).optional(),
  RETRY_BASE_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(250),
  RETRY_MAX_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(4_000),
  RETRY_AFTER_MAX_SECONDS: z.coerce.number().min(0).max(3_600).default(10),
  // Circuit breaking per provider/model (README "Reliability"): off unless a threshold is set.
  CIRCUIT_FAILURE_THRESHOLD: z.coerce.number().int().min(0).max(1_000).default(0),
  CIRCUIT_COOLDOWN_SECONDS: seconds(30),
  DEFAULT_PROVIDER: z.string().regex(providerNamePattern, 'must be a provider name').default('ollama'),
  OLLAMA_PROVIDERS: providerNameList.default([]),
  OPENAI_COMPATIBLE_PROVIDERS: providerNameList.default([]),
  MODEL_ALIASES: modelAliases.default({}),
  MODEL_PRICES: modelPrices.default({}),
  MODEL_DEFAULT_TEMPERATURE: optionalNumber(0, 2),
  MODEL_DEFAULT_MAX_TOKENS: optionalNumber(1, 1_000_000),
  MODEL_DEFAULT_TOP_P: optionalNumber(0, 1),
  MAX_MESSAGE_CHARS: z.coerce.number().int().min(1).max(10_000_000).default(32_000),
  MAX_OUTPUT_TOKENS: z.coerce.number().int().min(1).max(1_000_000).default(4_096),
  MAX_BODY_BYTES: z.coerce.number().int().min(1_024).max(100_000_000).default(1_048_576),
  HISTORY_CONTEXT_MESSAGES: z.coerce.number().int().min(0).max(1_000).default(20),
  // API.md § Conversations: unset keeps every conversation.
  HISTORY_MAX_CONVERSATIONS: z.coerce.number().int().min(1).max(100_000_000).optional(),
  SYSTEM_PROMPT: z.string().optional(),
  KEEPALIVE_SECONDS: seconds(5),
  // Node, Bun and Deno: how long running streams may go on after SIGTERM before they are aborted.
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).max(3_600).default(8),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  // Auth, ownership and CORS (API.md): names and defaults are the contract's.
  AUTH_REQUIRED: booleanFlag.default(false),
  ADMIN_API_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  AUTH_ALLOW_REGISTRATION: booleanFlag.default(false),
  SESSION_TTL_SECONDS: z.coerce.number().int().min(1).max(31_536_000).default(604_800),
  AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters (an HS256 key of 256 bits)').optional(),
  AUTH_JWKS_URL: httpUrl.optional(),
  AUTH_JWT_ISSUER: z.string().min(1).optional(),
  AUTH_JWT_AUDIENCE: z.string().min(1).optional(),
  AUTH_JWT_HEADER: z
    .string()
    .regex(/^[!#$%&'*+.^`|~\w-]+$/, 'must be a header name')
    .optional(),
  CORS_ORIGINS: originList.optional(),
  // Limits and usage (API.md); names and defaults from the chat service this project takes over.
  RATE_LIMIT_ENABLED: booleanFlag.default(false),
  RATE_LIMIT_REQUESTS: z.coerce.number().int().min(1).max(1_000_000).default(10),
  RATE_LIMIT_STREAMS: z.coerce.number().int().min(1).max(100_000).default(2),
  RATE_LIMIT_TOKENS_PER_DAY: z.coerce.number().int().min(0).max(1_000_000_000_000).default(0),
  TRUST_PROXY: booleanFlag.default(false),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
});

export type Config = z.infer<typeof configSchema> & {
  /** Every configured provider, built-in ones first (`ollama`, `openai`, `anthropic`), with its own settings. */
  providers: ProviderConfig[];
  /** Providers left out because a variable is missing (their API key): logged once at start-up. */
  absentProviders: AbsentProvider[];
};

export type { ModelPrice, ProviderConfig };

/** Names a configured provider may not take: the built-in providers and the label of aliases in /api/models. */
const reservedNames = new Set(['ollama', 'openai', 'anthropic', 'alias']);

export class ConfigError extends Error {
  override name = 'ConfigError';
  /** Each problem as `VARIABLE: what is wrong` (validate-config prints them one a line). */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.problems = problems;
  }
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
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const { providers, absentProviders, problems } = readProviders(result.data, environment);
  if (!providers.some((provider) => provider.name === result.data.DEFAULT_PROVIDER)) {
    const absent = absentProviders.find((provider) => provider.name === result.data.DEFAULT_PROVIDER);
    problems.push(
      `DEFAULT_PROVIDER: provider '${result.data.DEFAULT_PROVIDER}' is not configured${absent ? ` (${absent.reason})` : ''}`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...result.data, providers, absentProviders };
}

/** The built-in providers, then OLLAMA_PROVIDERS and OPENAI_COMPATIBLE_PROVIDERS, each from its own prefixed variables. */
function readProviders(config: z.infer<typeof configSchema>, environment: Record<string, unknown>) {
  const providers: ProviderConfig[] = [];
  const absentProviders: AbsentProvider[] = [];
  const problems: string[] = [];
  const wanted: [string, ProviderKind, string][] = [
    ['ollama', 'ollama', 'OLLAMA'],
    ['openai', 'openai', 'OPENAI'],
    ['anthropic', 'anthropic', 'ANTHROPIC'],
    ...config.OLLAMA_PROVIDERS.map((name): [string, ProviderKind, string] => [name, 'ollama', 'OLLAMA_PROVIDERS']),
    ...config.OPENAI_COMPATIBLE_PROVIDERS.map((name): [string, ProviderKind, string] => [
      name,
      'openai-compatible',
      'OPENAI_COMPATIBLE_PROVIDERS',
    ]),
  ];
  const seen = new Set<string>();
  for (const [name, kind, listedIn] of wanted) {
    if (seen.has(name) || (listedIn.endsWith('_PROVIDERS') && reservedNames.has(name))) {
      problems.push(`${listedIn}: the name '${name}' is already taken`);
      continue;
    }
    seen.add(name);
    const settings = readProviderSettings(
      name,
      kind,
      environment,
      config,
      name === 'ollama' ? config.OLLAMA_BASE_URL : undefined,
    );
    if (settings.outcome === 'configured') providers.push(settings.provider);
    else if (settings.outcome === 'absent') absentProviders.push(settings.absent);
    else problems.push(...settings.problems);
  }
  return { providers, absentProviders, problems };
}

/** The model used when a request names none (`OLLAMA_MODEL` wins for compatibility with the container template). */
export function defaultModelName(config: Config): string {
  return config.OLLAMA_MODEL ?? config.DEFAULT_MODEL;
}
