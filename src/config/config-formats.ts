import { z } from 'zod';

/**
 * The value formats of configuration variables that hold more than one value (lists, header maps,
 * aliases, prices). Each is a zod schema from the variable's string to its parsed form, so a bad value
 * fails with a message that `parseConfig` prefixes with the variable's name.
 */

/** A provider's name: lower case, as written in model names (`groq/llama-3.1-8b-instant`). */
export const providerNamePattern = /^[a-z][a-z0-9-]{0,39}$/;

/** A model name as requests may write it: no URL, no host (same rule as the request schema). */
const modelNamePattern = /^(?!.*\/\/)(?!.*\.\.)[A-Za-z0-9][\w.:/-]*$/;
const aliasNamePattern = /^[A-Za-z0-9][\w.-]*$/;

const splitList = (value: string, separator: string) =>
  value
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** `a,b,c` → ['a', 'b', 'c'] (blanks ignored). */
export const nameList = z.string().transform((value) => splitList(value, ','));

/** Names of providers, each unique and matching {@link providerNamePattern}. */
export const providerNameList = nameList.superRefine((names, context) => {
  for (const name of names) {
    if (!providerNamePattern.test(name))
      context.addIssue({ code: 'custom', message: `'${name}' is not a provider name (lower-case letters, digits, '-')` });
  }
  if (new Set(names).size !== names.length) context.addIssue({ code: 'custom', message: 'names a provider twice' });
});

const headerNamePattern = /^[!#$%&'*+.^`|~\w-]+$/;

/** A JSON object of extra request headers: `{"CF-Access-Client-Id":"…"}`. */
export const headerMap = z.string().transform((value, context): Record<string, string> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  const entries = isObject ? Object.entries(parsed as Record<string, unknown>) : [];
  if (!isObject || entries.some(([name, header]) => !headerNamePattern.test(name) || typeof header !== 'string')) {
    context.addIssue({ code: 'custom', message: 'must be a JSON object of header names to string values' });
    return z.NEVER;
  }
  return Object.fromEntries(entries) as Record<string, string>;
});

/**
 * `fast=ollama/llama3.2:1b;smart=openai/gpt-4o-mini,ollama/llama3.1`: aliases separated by `;`, each
 * naming one model or a fallback chain tried in order (`,`).
 */
export const modelAliases = z.string().transform((value, context) => {
  const aliases: Record<string, string[]> = {};
  for (const entry of splitList(value, ';')) {
    const equals = entry.indexOf('=');
    const name = entry.slice(0, equals).trim();
    const chain = splitList(entry.slice(equals + 1), ',');
    if (equals <= 0 || !aliasNamePattern.test(name)) {
      context.addIssue({ code: 'custom', message: `'${entry}' is not name=provider/model[,provider/model…]` });
    } else if (chain.length === 0 || chain.some((model) => !modelNamePattern.test(model))) {
      context.addIssue({ code: 'custom', message: `alias '${name}' needs one or more model names, not URLs` });
    } else if (name in aliases) {
      context.addIssue({ code: 'custom', message: `alias '${name}' is defined twice` });
    } else {
      aliases[name] = chain;
    }
  }
  return aliases;
});

export interface ModelPrice {
  /** US dollars per million input tokens. */
  input: number;
  /** US dollars per million output tokens. */
  output: number;
}

const pricePattern = /^(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)$/;

/**
 * `openai/gpt-4o-mini=0.15/0.6;ollama/*=0/0`: US dollars per million input/output tokens, per
 * `provider/model`, or per provider with `provider/*`.
 */
export const modelPrices = z.string().transform((value, context) => {
  const prices: Record<string, ModelPrice> = {};
  for (const entry of splitList(value, ';')) {
    const equals = entry.indexOf('=');
    const model = entry.slice(0, equals).trim();
    const match = pricePattern.exec(entry.slice(equals + 1).trim());
    if (equals <= 0 || !model.includes('/') || match === null) {
      context.addIssue({ code: 'custom', message: `'${entry}' is not provider/model=input/output (dollars per million tokens)` });
    } else {
      prices[model] = { input: Number(match[1]), output: Number(match[2]) };
    }
  }
  return prices;
});

/** A browser origin as `Origin` headers write it: scheme, host and port, no path. */
const originPattern = /^https?:\/\/[^/\s?#]+$/;

/**
 * `CORS_ORIGINS`: `*` (any origin, never with credentials) or a comma-separated list of exact origins
 * (`https://a.example,http://localhost:5173`), which may send credentials.
 */
export const originList = z.string().transform((value, context): '*' | string[] => {
  if (value.trim() === '*') return '*';
  const origins = splitList(value, ',').map((origin) => origin.replace(/\/+$/, ''));
  for (const origin of origins) {
    if (!originPattern.test(origin)) {
      context.addIssue({ code: 'custom', message: `'${origin}' is not an origin (scheme://host[:port], no path)` });
      return z.NEVER;
    }
  }
  return origins.map((origin) => new URL(origin).origin);
});

/** `true`/`false` (also 1/0, yes/no, on/off), as environment variables write booleans. */
export const booleanFlag = z.stringbool({ truthy: ['true', '1', 'yes', 'on'], falsy: ['false', '0', 'no', 'off'] });
