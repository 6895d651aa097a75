/** Argument parsers for commander options: a bad value is commander's one-line usage error naming the option. */
import { InvalidArgumentError } from 'commander';

export const numberIn =
  (min: number, max: number) =>
  (value: string): number => {
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number) || number < min || number > max)
      throw new InvalidArgumentError(`must be a number from ${String(min)} to ${String(max)}`);
    return number;
  };

export const integerIn =
  (min: number, max: number) =>
  (value: string): number => {
    const number = numberIn(min, max)(value);
    if (!Number.isInteger(number)) throw new InvalidArgumentError(`must be a whole number from ${String(min)} to ${String(max)}`);
    return number;
  };

/** `a,b, c` → ['a', 'b', 'c']; empty entries are dropped, none at all is an error. */
export function nameList(value: string): string[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) throw new InvalidArgumentError('must name at least one, comma-separated');
  return names;
}

/** The generation parameters of query, chat and compare, as the API's `parameters` object. */
export interface ParameterOptions {
  temperature?: number;
  maxTokens?: number;
}

export function parametersOf(options: ParameterOptions): { temperature?: number; max_tokens?: number } | undefined {
  const parameters: { temperature?: number; max_tokens?: number } = {};
  if (options.temperature !== undefined) parameters.temperature = options.temperature;
  if (options.maxTokens !== undefined) parameters.max_tokens = options.maxTokens;
  return Object.keys(parameters).length === 0 ? undefined : parameters;
}
