import type { ModelPrice } from '../config/config-formats.ts';

/**
 * The cost in US dollars of one answer, from the configured price of its model (`provider/model`, or
 * `provider/*` for all of a provider's models). Null when no price is configured or a token count is
 * unknown: a guess would be stored as if it were known.
 */
export function costOf(
  prices: Readonly<Record<string, ModelPrice>>,
  modelId: string,
  inputTokens: number | null,
  outputTokens: number | null,
): number | null {
  if (inputTokens === null || outputTokens === null || !Number.isFinite(inputTokens) || !Number.isFinite(outputTokens))
    return null;
  const wildcard = `${modelId.slice(0, modelId.indexOf('/'))}/*`;
  const key = Object.hasOwn(prices, modelId) ? modelId : Object.hasOwn(prices, wildcard) ? wildcard : undefined;
  const price = key === undefined ? undefined : prices[key];
  if (price === undefined) return null;
  return (inputTokens * price.input + outputTokens * price.output) / 1_000_000;
}
