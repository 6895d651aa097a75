import type { UsageStore } from '../db/usage-store.ts';
import type { Logger } from '../logger.ts';
import type { GenerationSettled } from '../services/generation-events.ts';
import { retryTransient } from '../services/retry-transient.ts';

/**
 * The usage ledger's listener of settled generations: one row per generation, keyed by its id, so the
 * retried write after a passing database fault stores it once. Tokens stay NULL when the upstream
 * reported none (an aborted stream, a provider without usage), never 0.
 */
export function usageRecorder(
  store: UsageStore,
  logger: Logger,
  writeTimeoutMs?: number,
): (event: GenerationSettled) => Promise<void> {
  return (event) =>
    retryTransient(
      () =>
        store.record({
          id: event.id,
          createdAt: event.startedAt,
          route: event.route,
          kind: event.kind,
          userId: event.userId,
          keyId: event.keyId,
          requestedModel: event.requestedModel,
          provider: event.provider,
          model: event.model,
          outcome: event.outcome,
          errorCode: event.errorCode,
          inputTokens: event.inputTokens,
          outputTokens: event.outputTokens,
          costUsd: event.costUsd,
          latencyMs: event.latencyMs,
          ttftMs: event.timeToFirstTokenMs,
          attempts: event.attempts,
          requestId: event.requestId ?? null,
          endUser: event.endUser,
          conversationId: event.conversationId,
        }),
      logger,
      writeTimeoutMs,
    );
}
