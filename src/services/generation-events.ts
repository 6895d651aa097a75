import type { Logger } from '../logger.ts';
import type { GenerationStatus } from './generation.ts';

/** A generation that began calling a model (streaming ones count as active streams until they settle). */
export interface GenerationStarted {
  id: string;
  streaming: boolean;
}

/**
 * The one event per model call (API.md § Limits and usage): fired exactly once when a generation is over,
 * whatever its route and outcome, after its messages are stored. Usage, limits, metrics and the access
 * log subscribe to it.
 */
export interface GenerationSettled extends GenerationStarted {
  /** When the generation started, ISO 8601 UTC. */
  startedAt: string;
  requestId: string | undefined;
  /** Hono's route pattern. */
  route: string;
  kind: 'chat' | 'embedding';
  userId: string;
  keyId: string | null;
  /** What the limits admitted this call with (undefined when no limit applies to its caller). */
  admission: SettledAdmission | undefined;
  requestedModel: string;
  provider: string;
  /** provider/model that answered (or, on failure, the last one tried). */
  model: string;
  outcome: GenerationStatus;
  errorCode: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
  latencyMs: number;
  timeToFirstTokenMs: number | null;
  attempts: number;
  endUser: string | null;
  conversationId: string | null;
}

/** The limits' part of a settled generation: whose counters, the stream lease to free, whether its tokens count. */
export interface SettledAdmission {
  /** `key:…`, `user:…` or `address:…`. */
  caller: string;
  leaseId: string | undefined;
  /** A token budget applies to the caller: the tokens are added to the day's count. */
  countsTokens: boolean;
}

type Listener<T> = (event: T) => void | Promise<void>;

/**
 * Subscribers of the generation lifecycle. `settled` awaits every subscriber (the usage row and the
 * release of a stream slot are written before the answer's last event goes out); a failing subscriber
 * is logged and never fails the generation or the others.
 */
export class GenerationEvents {
  private readonly startedListeners: Listener<GenerationStarted>[] = [];
  private readonly settledListeners: Listener<GenerationSettled>[] = [];
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  onStarted(listener: Listener<GenerationStarted>): void {
    this.startedListeners.push(listener);
  }

  onSettled(listener: Listener<GenerationSettled>): void {
    this.settledListeners.push(listener);
  }

  started(event: GenerationStarted): void {
    for (const listener of this.startedListeners) void this.guard(listener, event, 'started');
  }

  async settled(event: GenerationSettled): Promise<void> {
    await Promise.all(this.settledListeners.map((listener) => this.guard(listener, event, 'settled')));
  }

  private async guard<T extends GenerationStarted>(listener: Listener<T>, event: T, name: string): Promise<void> {
    try {
      await listener(event);
    } catch (error) {
      this.logger.error(`a generation ${name} listener failed`, {
        generation: event.id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
