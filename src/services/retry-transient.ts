import type { Logger } from '../logger.ts';

const delaysMs = [50, 250, 1000];

/**
 * Retries an idempotent database write that failed for a passing reason (busy file, lost D1
 * connection). Only for writes keyed so that a repeat stores nothing twice.
 */
export async function retryTransient<T>(work: () => Promise<T>, logger: Logger): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await work();
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
