import type { Context } from 'hono';
import type { Logger } from '../logger.ts';

export type RunInBackground = (work: Promise<unknown>) => void;

/**
 * Keeps work alive after the response has gone (persistence after a disconnect or after the last
 * event). Workers cancel everything when the client leaves unless the work is handed to
 * `executionCtx.waitUntil`; Hono's `c.executionCtx` throws on Node, Bun and Deno, where a pending
 * promise keeps running by itself (RELIABILITY.md pitfall 3).
 */
export function backgroundRunner(c: Context, logger: Logger, hasExecutionContext: boolean): RunInBackground {
  const report = (error: unknown) => {
    logger.error('background work failed', { error: error instanceof Error ? error.message : String(error) });
  };
  // Asking Hono where there is no execution context throws, and building that error on every request
  // showed in the profile; the entry says whether its runtime has one.
  let waitUntil: ((work: Promise<unknown>) => void) | undefined;
  if (hasExecutionContext) {
    try {
      const context = c.executionCtx;
      waitUntil = (work) => {
        context.waitUntil(work);
      };
    } catch {
      waitUntil = undefined;
    }
  }
  return (work) => {
    const guarded = work.catch(report);
    waitUntil?.(guarded);
  };
}
