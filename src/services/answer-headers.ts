import type { AnswerStart } from './generation.ts';

/**
 * The headers that say which model answered: `X-Model` always, `X-Fallback-Count` when the answer came
 * from further down the fallback chain. On a stream they describe the model whose answer started it;
 * the done event carries the model that finished it (they differ only when a fallback took over before
 * the first token).
 */
export function answerHeaders(start: AnswerStart): Record<string, string> {
  return start.fallbackCount > 0
    ? { 'X-Model': start.model.id, 'X-Fallback-Count': String(start.fallbackCount) }
    : { 'X-Model': start.model.id };
}
