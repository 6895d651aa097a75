import type { Logger } from '../logger.ts';

const delaysMs = [50, 250, 1000];

const noop = () => undefined;

/** `work`, or a rejection once `timeoutMs` passed without an answer (the work itself goes on). */
async function withinTime<T>(work: Promise<T>, timeoutMs: number | undefined): Promise<T> {
  if (timeoutMs === undefined) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`the database did not answer within ${String(timeoutMs)} ms`));
    }, timeoutMs);
  });
  // A write that answers after its time is up is dropped here; it may still commit, which the keyed
  // write makes harmless.
  work.catch(noop);
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Retries an idempotent database write that failed for a passing reason (busy file, lost D1
 * connection) or did not answer within `timeoutMs` (a stalled database: each attempt has that long,
 * so the write as a whole ends within about 4 × timeoutMs + 1.3 s). Only for writes keyed so that a
 * repeat, or an attempt that was given up but commits late, stores nothing twice.
 */
export async function retryTransient<T>(work: () => Promise<T>, logger: Logger, timeoutMs?: number): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await withinTime(work(), timeoutMs);
    } catch (error) {
      const delay = delaysMs[attempt];
      if (delay === undefined) throw error;
      logger.warn('database write failed, retrying', {
        attempt: attempt + 1,
        error: error instanceof Error ? error.message : String(error),
      });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
