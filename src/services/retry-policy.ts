import type { Config } from '../config.ts';

/** How the one retry layer waits between attempts on the same model. */
export interface RetrySettings {
  /** First backoff; each later one doubles, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** The longest Retry-After honoured by waiting; a longer one moves on (or answers 429). */
  retryAfterMaxMs: number;
}

export const defaultRetrySettings: RetrySettings = { baseDelayMs: 250, maxDelayMs: 4_000, retryAfterMaxMs: 10_000 };

export function retrySettings(config: Config): RetrySettings {
  return {
    baseDelayMs: config.RETRY_BASE_DELAY_MS,
    maxDelayMs: config.RETRY_MAX_DELAY_MS,
    retryAfterMaxMs: config.RETRY_AFTER_MAX_SECONDS * 1000,
  };
}

/** Exponential backoff with jitter: between half and all of base × 2^(retry − 1), capped. */
export function backoffDelay(retry: number, settings: RetrySettings, random: () => number = Math.random): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}

/**
 * The wait before trying the same model again, or undefined when waiting does not fit: a Retry-After
 * longer than allowed, or a wait that would leave the attempt after it less time than the wait itself.
 * A retry squeezed in just before the deadline would only turn the upstream's error into a TIMEOUT
 * (and an attempt that starts late, behind a busy event loop, would meet the deadline at once).
 */
export function delayBeforeRetry(
  retryAfterMs: number | undefined,
  retry: number,
  settings: RetrySettings,
  remainingMs: number,
): number | undefined {
  const delay = retryAfterMs ?? backoffDelay(retry, settings);
  if (retryAfterMs !== undefined && retryAfterMs > settings.retryAfterMaxMs) return undefined;
  return delay < remainingMs - delay ? delay : undefined;
}

/** Waits, unless the signal aborts first; resolves to false when it did. */
export function sleep(milliseconds: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, milliseconds);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
