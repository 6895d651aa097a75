import { z } from 'zod';
import { headerMap, nameList } from './config-formats.ts';

export type ProviderKind = 'ollama' | 'openai' | 'anthropic' | 'openai-compatible';

/** How long a provider may take, and how often it is tried, per model call. */
export interface ProviderLimits {
  /** From sending the request to the response headers. */
  headersTimeoutMs: number;
  /** From sending the request to the first token. */
  firstTokenTimeoutMs: number;
  /** Longest silence between two tokens once the answer has started. */
  tokenGapTimeoutMs: number;
  /** Attempts on this provider's model before moving down the fallback chain (1 = no retry). */
  maxAttempts: number;
}

/** One configured upstream, as the registry builds it. Secrets live here and nowhere else. */
export interface ProviderConfig {
  name: string;
  kind: ProviderKind;
  /** Without credentials: `https://user:pass@host` becomes an Authorization header. */
  baseUrl: string;
  apiKey: string | undefined;
  /** Extra headers sent with every request (tunnel headers, basic auth). */
  headers: Record<string, string>;
  /** The models this provider serves; undefined lets any name through to the provider. */
  models: string[] | undefined;
  limits: ProviderLimits;
}

/** A provider that is not configured because a variable is missing (logged once at start-up). */
export interface AbsentProvider {
  name: string;
  reason: string;
}

export interface GlobalLimits {
  FIRST_TOKEN_TIMEOUT_SECONDS: number;
  HEADERS_TIMEOUT_SECONDS?: number | undefined;
  TOKEN_GAP_TIMEOUT_SECONDS: number;
  RETRY_MAX_ATTEMPTS?: number | undefined;
}

const optionalSeconds = z.coerce.number().positive().max(86_400).optional();

/** The variables every provider reads, each prefixed with the provider's name: `GROQ_BASE_URL`, … */
const providerVariables = z.object({
  BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  API_KEY: z.string().min(1).optional(),
  HEADERS: headerMap.optional(),
  MODELS: nameList.optional(),
  HEADERS_TIMEOUT_SECONDS: optionalSeconds,
  FIRST_TOKEN_TIMEOUT_SECONDS: optionalSeconds,
  TOKEN_GAP_TIMEOUT_SECONDS: optionalSeconds,
  MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).optional(),
});

type ProviderVariables = z.infer<typeof providerVariables>;

/** `groq` → `GROQ`, `lm-studio` → `LM_STUDIO`. */
export const variablePrefix = (name: string) => name.toUpperCase().replaceAll('-', '_');

/** Defaults follow each vendor's own SDK: OpenAI's and Anthropic's retry twice, Ollama's client does not. */
const defaultAttempts: Record<ProviderKind, number> = { ollama: 1, openai: 3, anthropic: 3, 'openai-compatible': 3 };

const defaultBaseUrls: Partial<Record<ProviderKind, string>> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
};

/** Kinds whose API key travels in the Authorization header (so URL credentials would clash with it). */
const keyInAuthorization = new Set<ProviderKind>(['ollama', 'openai', 'openai-compatible']);

export type ProviderSettingsResult =
  | { outcome: 'configured'; provider: ProviderConfig }
  | { outcome: 'absent'; absent: AbsentProvider }
  | { outcome: 'invalid'; problems: string[] };

/**
 * Reads one provider's variables (`PREFIX_BASE_URL`, `PREFIX_API_KEY`, …). Problems name the variable.
 * `baseUrl` is the already-validated address when it comes from the main schema (OLLAMA_BASE_URL).
 */
export function readProviderSettings(
  name: string,
  kind: ProviderKind,
  environment: Record<string, unknown>,
  limits: GlobalLimits,
  baseUrl?: string,
): ProviderSettingsResult {
  const prefix = variablePrefix(name);
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(providerVariables.shape)) {
    const value = environment[`${prefix}_${key}`];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  if (baseUrl !== undefined) delete raw['BASE_URL'];
  const parsed = providerVariables.safeParse(raw);
  if (!parsed.success) {
    return {
      outcome: 'invalid',
      problems: parsed.error.issues.map((issue) => `${prefix}_${issue.path.join('.')}: ${issue.message}`),
    };
  }
  const variables: ProviderVariables = parsed.data;
  const needsKey = kind !== 'ollama';
  if (needsKey && variables.API_KEY === undefined) {
    return { outcome: 'absent', absent: { name, reason: `${prefix}_API_KEY is not set` } };
  }
  const address = baseUrl ?? variables.BASE_URL ?? defaultBaseUrls[kind];
  if (address === undefined) return { outcome: 'invalid', problems: [`${prefix}_BASE_URL: is required for provider '${name}'`] };

  const { url, authorization } = splitCredentials(address);
  const headers = { ...variables.HEADERS };
  const authorizationSources = [
    authorization === undefined ? undefined : `${prefix}_BASE_URL (credentials in the URL)`,
    variables.API_KEY !== undefined && keyInAuthorization.has(kind) ? `${prefix}_API_KEY` : undefined,
    Object.keys(headers).some((header) => header.toLowerCase() === 'authorization')
      ? `${prefix}_HEADERS (Authorization)`
      : undefined,
  ].filter((source) => source !== undefined);
  if (authorizationSources.length > 1) {
    return {
      outcome: 'invalid',
      problems: [`${prefix}_BASE_URL: ${authorizationSources.join(' and ')} both set the Authorization header; keep one`],
    };
  }
  if (authorization !== undefined) headers['Authorization'] = authorization;
  if (kind === 'ollama' && variables.API_KEY !== undefined) headers['Authorization'] = `Bearer ${variables.API_KEY}`;

  const firstTokenSeconds = variables.FIRST_TOKEN_TIMEOUT_SECONDS ?? limits.FIRST_TOKEN_TIMEOUT_SECONDS;
  return {
    outcome: 'configured',
    provider: {
      name,
      kind,
      baseUrl: url,
      apiKey: variables.API_KEY,
      headers,
      models: kind === 'ollama' ? undefined : variables.MODELS,
      limits: {
        headersTimeoutMs: (variables.HEADERS_TIMEOUT_SECONDS ?? limits.HEADERS_TIMEOUT_SECONDS ?? firstTokenSeconds) * 1000,
        firstTokenTimeoutMs: firstTokenSeconds * 1000,
        tokenGapTimeoutMs: (variables.TOKEN_GAP_TIMEOUT_SECONDS ?? limits.TOKEN_GAP_TIMEOUT_SECONDS) * 1000,
        maxAttempts: variables.MAX_ATTEMPTS ?? limits.RETRY_MAX_ATTEMPTS ?? defaultAttempts[kind],
      },
    },
  };
}

/**
 * `https://user:pass@host/path` → the URL without credentials and a Basic Authorization header:
 * fetch refuses URLs that carry credentials.
 */
export function splitCredentials(address: string): { url: string; authorization: string | undefined } {
  const url = new URL(address);
  if (url.username === '' && url.password === '') return { url: address.replace(/\/+$/, ''), authorization: undefined };
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  url.username = '';
  url.password = '';
  let binary = '';
  for (const byte of new TextEncoder().encode(credentials)) binary += String.fromCharCode(byte);
  return { url: url.toString().replace(/\/+$/, ''), authorization: `Basic ${btoa(binary)}` };
}
