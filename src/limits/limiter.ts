import type { Caller } from '../auth/caller.ts';
import type { Config } from '../config.ts';
import type { LimitStore } from '../db/limit-store.ts';
import { AppError } from '../errors/app-error.ts';
import type { GenerationSettled, SettledAdmission } from '../services/generation-events.ts';

/** The limits that apply to one caller; undefined fields do not apply. */
export interface EffectiveLimits {
  requestsPerMinute: number | undefined;
  concurrentStreams: number | undefined;
  tokensPerDay: number | undefined;
}

/** An admitted model call: the headers its response carries, and what its settled event hands back to the limits. */
export interface Admission {
  settled: SettledAdmission;
  headers: Record<string, string>;
  /** The call ended without calling a model (busy conversation, replayed answer): count nothing. */
  refund(): Promise<void>;
}

const minuteMs = 60_000;
const dayMs = 86_400_000;

/**
 * The limits of a caller (API.md § Limits and usage): with RATE_LIMIT_ENABLED the configured defaults,
 * each replaced by the key's own `limits`; without it only a key's own limits (an admin who set them
 * expects them to hold). Undefined: nothing to check, nothing to write.
 */
export function effectiveLimits(config: Config, caller: Caller): EffectiveLimits | undefined {
  const own = caller.limits;
  if (!config.RATE_LIMIT_ENABLED && own === undefined) return undefined;
  const enabled = config.RATE_LIMIT_ENABLED;
  const tokens = own?.tokens_per_day ?? (enabled ? config.RATE_LIMIT_TOKENS_PER_DAY : undefined);
  return {
    requestsPerMinute: own?.requests_per_minute ?? (enabled ? config.RATE_LIMIT_REQUESTS : undefined),
    concurrentStreams: own?.concurrent_streams ?? (enabled ? config.RATE_LIMIT_STREAMS : undefined),
    tokensPerDay: tokens === 0 ? undefined : tokens,
  };
}

/** Who a call counts for: the API key, else the user, else the client's address. */
export function limitCallerOf(caller: Caller, clientAddress: string | undefined): string {
  if (caller.keyId !== null) return `key:${caller.keyId}`;
  if (caller.method !== 'none') return `user:${caller.userId}`;
  return `address:${clientAddress ?? 'unknown'}`;
}

const secondsUntil = (time: number, now: number) => String(Math.max(1, Math.ceil((time - now) / 1000)));

/**
 * Rate limits, concurrent streams and token budgets, kept in the database (LimitStore) so they hold
 * across processes and Worker isolates. `admit` runs before any model call and answers 429 RATE_LIMIT
 * with Retry-After when a limit is reached; a generation's settled event frees its stream slot and adds
 * its tokens (the upstream's own counts) to the day's budget. A lease expires by itself after the
 * longest a generation may run, so a process that dies mid-stream does not hold slots for ever.
 */
export class Limiter {
  private readonly config: Config;
  private readonly store: LimitStore;

  constructor(config: Config, store: LimitStore) {
    this.config = config;
    this.store = store;
  }

  async admit(caller: Caller, clientAddress: string | undefined, streaming: boolean, now: Date): Promise<Admission | undefined> {
    const limits = effectiveLimits(this.config, caller);
    if (limits === undefined) return undefined;
    const nowMs = now.getTime();
    const limitCaller = limitCallerOf(caller, clientAddress);
    const iso = now.toISOString();
    const minute = iso.slice(0, 16);
    const day = iso.slice(0, 10);
    const leaseId = streaming && limits.concurrentStreams !== undefined ? crypto.randomUUID() : undefined;
    const state = await this.store.admit({
      caller: limitCaller,
      minute,
      day,
      nowMs,
      requestsPerMinute: limits.requestsPerMinute,
      tokensPerDay: limits.tokensPerDay,
      stream:
        leaseId === undefined
          ? undefined
          : {
              leaseId,
              limit: limits.concurrentStreams,
              // The longest a generation may run, and a minute more for its last write.
              expiresAt: nowMs + (this.config.REQUEST_TIMEOUT_SECONDS + 60) * 1000,
            },
    });
    const minuteEnds = Math.floor(nowMs / minuteMs) * minuteMs + minuteMs;
    const dayEnds = Math.floor(nowMs / dayMs) * dayMs + dayMs;
    const headers: Record<string, string> = {};
    if (limits.requestsPerMinute !== undefined) {
      headers['X-RateLimit-Limit-Requests'] = String(limits.requestsPerMinute);
      headers['X-RateLimit-Remaining-Requests'] = String(Math.max(0, limits.requestsPerMinute - state.requests));
      headers['X-RateLimit-Reset-Requests'] = secondsUntil(minuteEnds, nowMs);
    }
    if (limits.tokensPerDay !== undefined) {
      headers['X-RateLimit-Limit-Tokens'] = String(limits.tokensPerDay);
      headers['X-RateLimit-Remaining-Tokens'] = String(Math.max(0, limits.tokensPerDay - state.tokens));
      headers['X-RateLimit-Reset-Tokens'] = secondsUntil(dayEnds, nowMs);
    }
    if (!state.admitted) {
      const [message, retryAfter] =
        limits.requestsPerMinute !== undefined && state.requests >= limits.requestsPerMinute
          ? ([
              `Rate limit reached: ${String(limits.requestsPerMinute)} model calls per minute`,
              secondsUntil(minuteEnds, nowMs),
            ] as const)
          : limits.tokensPerDay !== undefined && state.tokens >= limits.tokensPerDay
            ? ([`Token budget reached: ${String(limits.tokensPerDay)} tokens per day`, secondsUntil(dayEnds, nowMs)] as const)
            : ([`Too many streams at once: ${String(limits.concurrentStreams)} at most`, '1'] as const);
      throw new AppError('RATE_LIMIT', message, { headers: { ...headers, 'Retry-After': retryAfter } });
    }
    return {
      settled: { caller: limitCaller, leaseId, countsTokens: limits.tokensPerDay !== undefined },
      headers,
      refund: () => this.store.refund(limitCaller, minute, leaseId),
    };
  }

  /**
   * A settled generation's listener: frees its slot and counts its tokens when a budget applies (unknown
   * counts add nothing). A call with neither writes nothing.
   */
  async settle(event: GenerationSettled): Promise<void> {
    const { admission } = event;
    if (admission === undefined) return;
    const tokens = admission.countsTokens ? (event.inputTokens ?? 0) + (event.outputTokens ?? 0) : 0;
    await this.store.settle(admission.caller, event.startedAt.slice(0, 10), admission.leaseId, tokens, Date.now());
  }
}
