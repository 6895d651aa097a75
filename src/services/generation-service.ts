import type { Services } from '../app-env.ts';
import type { Caller } from '../auth/caller.ts';
import { defaultModelName, type Config } from '../config.ts';
import type { MessageRow } from '../db/schema.ts';
import type { Admission, Limiter } from '../limits/limiter.ts';
import type { ModelRoute } from '../providers/model-registry.ts';
import type { RunInBackground } from '../runtime/background.ts';
import type { ChatRequestBody } from '../schemas/chat.ts';
import { assertModelAllowed } from '../auth/model-access.ts';
import type { UiChatRequestBody } from '../schemas/ui-chat.ts';
import type { ChatService, PreparedTurn, StoredTurn } from './chat-service.ts';
import {
  embeddingRoute,
  runEmbedding,
  type EmbeddingFailure,
  type EmbeddingOutcome,
  type EmbeddingRequest,
} from './embedding.ts';
import { AppError } from '../errors/app-error.ts';
import type { GenerationDrain } from '../runtime/generation-drain.ts';
import type { CircuitBreaker } from './circuit-breaker.ts';
import type { GenerationEvents, GenerationSettled } from './generation-events.ts';
import { runGeneration, type GenerationInput, type GenerationOutcome, type GenerationSink } from './generation.ts';
import type { ConversationMessage } from './model-prompt.ts';
import { costOf } from './pricing.ts';
import { statelessGeneration, type StatelessRequest } from './stateless-generation.ts';
import type { UiChatService } from './ui-chat-service.ts';

const noop = () => undefined;
const shuttingDown = () => new AppError('SERVICE_UNAVAILABLE', 'The server is shutting down; try again');

/** Where a generation comes from: the caller and the request it serves. */
export interface GenerationContext {
  caller: Caller;
  /** Hono's route pattern (`/api/chat/stream`). */
  route: string;
  requestId: string | undefined;
  clientAddress: string | undefined;
  streaming: boolean;
  /** The client request's signal (preparations such as fetching images stop with it). */
  signal: AbortSignal;
  /** OpenAI's `user` field, recorded with the usage. */
  endUser?: string | undefined;
  runInBackground: RunInBackground;
  /** Told once the generation settled (the access log line of a stream waits for it). */
  onSettled?: ((event: GenerationSettled) => void) | undefined;
}

/** What settling stored: when the answer of a stored turn was written (its `timestamp`). */
export interface Settlement {
  storedAt: string | undefined;
}

/** An admitted generation, ready to call its model once. */
export interface Generation<Turn extends StoredTurn | undefined = StoredTurn | undefined> {
  readonly kind: 'run';
  /** The requested model and its fallbacks. */
  readonly route: ModelRoute;
  /** X-RateLimit-* headers for the response (none when no limit applies). */
  readonly headers: Record<string, string>;
  /** The turn of a conversation the answer is stored in, if any. */
  readonly turn: Turn;
  /**
   * Calls the model (never throws: failures are the outcome). When the outcome is known the generation
   * settles by itself, exactly once: the conversation's answer is stored, then the one settled event
   * fires (usage, limits, metrics).
   */
  run(sink: GenerationSink, signal: AbortSignal): Promise<GenerationOutcome>;
  /** Resolves when settled; rejects when the answer could not be stored (the event fired anyway). */
  readonly settled: Promise<Settlement>;
}

/** A chat request whose `message_id` names a complete turn: its stored answer, with no model call. */
export interface ReplayedTurn {
  kind: 'replay';
  conversationId: string;
  answer: MessageRow;
}

/** What a stateless route prepares once admitted: the messages to send (images fetched) and a turn to store. */
export type StatelessPreparation = (
  route: ModelRoute,
) => Promise<{ messages?: ConversationMessage[]; turn?: StoredTurn | undefined }>;

interface GenerationServiceDependencies {
  config: Config;
  chat: ChatService;
  uiChat: UiChatService;
  limiter: Limiter;
  events: GenerationEvents;
  /** The app's circuits per provider/model, which the retry layer consults before each call. */
  circuit: CircuitBreaker;
  /** The generations in flight, for a graceful shutdown (Node, Bun and Deno). */
  drain: GenerationDrain | undefined;
  now: () => Date;
  services: Pick<Services, 'config' | 'registry' | 'logger'>;
}

/**
 * The one owner of a generation's life on every route: admission (the caller's limits: 429 before any
 * model call), the run (the one retry and fallback layer), persistence of a conversation's turn, and
 * the one settled event with the outcome, tokens, cost, latency and time to first token. Routes only
 * frame the answer as JSON or SSE. A call admitted but then refused (404, 409) or answered from storage
 * counts nothing against the limits.
 */
export class GenerationService {
  private readonly dependencies: GenerationServiceDependencies;

  constructor(dependencies: GenerationServiceDependencies) {
    this.dependencies = dependencies;
  }

  /** A one-shot generation: the model is resolved (404, or 403 outside the key's models) before the caller is admitted. */
  async stateless(context: GenerationContext, request: StatelessRequest, prepare?: StatelessPreparation): Promise<Generation> {
    const prepared = statelessGeneration(this.dependencies.services, context.caller, request);
    const admission = await this.admit(context);
    const { messages, turn } = await this.refundOnFailure(
      context,
      admission,
      (): ReturnType<StatelessPreparation> => prepare?.(prepared.route) ?? Promise.resolve({}),
    );
    const requested = request.model ?? defaultModelName(this.dependencies.config);
    return this.generation(context, requested, prepared.route, admission, (signal) => prepared.input(signal, messages), turn);
  }

  /** A turn in a conversation: the caller is admitted, then the conversation's lock is taken and the user message stored (404, 409). */
  async chat(context: GenerationContext, body: ChatRequestBody): Promise<Generation<PreparedTurn> | ReplayedTurn> {
    const { chat } = this.dependencies;
    const admission = await this.admit(context);
    const begun = await this.refundOnFailure(context, admission, () => chat.begin(context.caller, body, context.signal));
    if (begun.kind === 'replay') {
      if (admission) context.runInBackground(admission.refund());
      return begun;
    }
    const { turn } = begun;
    const requested = body.model ?? defaultModelName(this.dependencies.config);
    return this.generation(context, requested, turn.route, admission, (signal) => chat.generationInput(turn, signal), turn);
  }

  /** A turn of useChat's (/api/ui/chat), regenerate included: as `chat`, prepared from the UI request. */
  async uiChat(context: GenerationContext, body: UiChatRequestBody): Promise<Generation<PreparedTurn>> {
    const { chat, uiChat } = this.dependencies;
    const admission = await this.admit(context);
    const turn = await this.refundOnFailure(context, admission, () => uiChat.begin(context.caller, body, context.signal));
    const requested = body.model ?? defaultModelName(this.dependencies.config);
    return this.generation(context, requested, turn.route, admission, (signal) => chat.generationInput(turn, signal), turn);
  }

  /**
   * An embedding call: the model resolved (404, 403 outside the key's models, 400 for a provider without
   * embeddings), the caller admitted, the call run, and its settled event (kind `embedding`, output
   * tokens 0) fired once whatever happened.
   */
  async embedding(context: GenerationContext, request: EmbeddingRequest): Promise<EmbeddingOutcome | EmbeddingFailure> {
    const { registry } = this.dependencies.services;
    const requested = registry.resolve(request.model);
    assertModelAllowed(context.caller, request.model, requested);
    const route = embeddingRoute(requested);
    const admission = await this.admit(context);
    const done = this.tracked();
    const linked = this.runSignal(context.signal);
    try {
      return await this.embed(context, request, route, admission, linked.signal);
    } finally {
      linked.release();
      done();
    }
  }

  private async embed(
    context: GenerationContext,
    request: EmbeddingRequest,
    route: ModelRoute,
    admission: Admission | undefined,
    signal: AbortSignal,
  ): Promise<EmbeddingOutcome | EmbeddingFailure> {
    const id = crypto.randomUUID();
    const startedAt = this.dependencies.now().toISOString();
    this.dependencies.events.started({ id, streaming: false });
    const result = await runEmbedding(this.dependencies.services, route, request, signal);
    const inputTokens = result.status === 'complete' ? result.inputTokens : null;
    const event: GenerationSettled = {
      id,
      streaming: false,
      startedAt,
      requestId: context.requestId,
      route: context.route,
      kind: 'embedding',
      userId: context.caller.userId,
      keyId: context.caller.keyId,
      admission: admission?.settled,
      requestedModel: request.model,
      provider: result.model.provider.name,
      model: result.model.id,
      outcome: result.status,
      errorCode: result.status === 'complete' ? null : (result.error?.code ?? null),
      inputTokens,
      outputTokens: result.status === 'complete' ? 0 : null,
      costUsd: costOf(this.dependencies.config.MODEL_PRICES, result.model.id, inputTokens, inputTokens === null ? null : 0),
      latencyMs: result.latencyMs,
      timeToFirstTokenMs: null,
      attempts: result.attempts,
      endUser: context.endUser ?? null,
      conversationId: null,
    };
    await this.dependencies.events.settled(event);
    context.onSettled?.(event);
    return result;
  }

  private admit(context: GenerationContext): Promise<Admission | undefined> {
    if (this.dependencies.drain?.draining === true) throw shuttingDown();
    return this.dependencies.limiter.admit(context.caller, context.clientAddress, context.streaming, this.dependencies.now());
  }

  /** The signal a model call runs under: the client's, and the shutdown's once its grace is over. */
  private runSignal(signal: AbortSignal): { signal: AbortSignal; release: () => void } {
    return this.dependencies.drain?.link(signal) ?? { signal, release: noop };
  }

  /** Tells the drain a generation runs until the returned function is called. */
  private tracked(): () => void {
    const { drain } = this.dependencies;
    if (drain === undefined) return noop;
    let done: () => void = noop;
    drain.track(
      new Promise<void>((resolve) => {
        done = resolve;
      }),
    );
    return () => {
      done();
    };
  }

  private async refundOnFailure<T>(
    context: GenerationContext,
    admission: Admission | undefined,
    work: () => Promise<T>,
  ): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (admission) context.runInBackground(admission.refund());
      throw error;
    }
  }

  private generation<Turn extends StoredTurn | undefined>(
    context: GenerationContext,
    requestedModel: string,
    route: ModelRoute,
    admission: Admission | undefined,
    input: (signal: AbortSignal) => GenerationInput,
    turn: Turn,
  ): Generation<Turn> {
    const { events, chat, config, now } = this.dependencies;
    const id = crypto.randomUUID();
    let settled: Promise<Settlement> | undefined;

    const settle = async (outcome: GenerationOutcome, startedAt: string): Promise<Settlement> => {
      let storedAt: string | undefined;
      let storeFailure: Error | undefined;
      try {
        if (turn !== undefined) storedAt = await chat.finish(turn, outcome);
      } catch (error) {
        storeFailure = error instanceof Error ? error : new Error('the answer could not be stored');
        // What an operator needs to find the turn: its request, conversation and message (the lock
        // expires by itself; a retry with the same message_id generates the answer again).
        this.dependencies.services.logger.error('the answer could not be stored', {
          request_id: context.requestId,
          conversation_id: turn?.conversationId,
          message_id: turn?.assistantMessageId,
          status: outcome.status,
          error: storeFailure.message,
        });
      }
      const event: GenerationSettled = {
        id,
        streaming: context.streaming,
        startedAt,
        requestId: context.requestId,
        route: context.route,
        kind: 'chat',
        userId: context.caller.userId,
        keyId: context.caller.keyId,
        admission: admission?.settled,
        requestedModel,
        provider: outcome.model.provider.name,
        model: outcome.model.id,
        outcome: outcome.status,
        errorCode: outcome.error?.code ?? null,
        inputTokens: outcome.inputTokens,
        outputTokens: outcome.outputTokens,
        costUsd: costOf(config.MODEL_PRICES, outcome.model.id, outcome.inputTokens, outcome.outputTokens),
        latencyMs: outcome.latencyMs,
        timeToFirstTokenMs: outcome.timeToFirstTokenMs,
        attempts: outcome.attempts,
        endUser: context.endUser ?? null,
        conversationId: turn?.conversationId ?? null,
      };
      await events.settled(event);
      context.onSettled?.(event);
      if (storeFailure !== undefined) throw storeFailure;
      return { storedAt };
    };

    return {
      kind: 'run',
      route,
      headers: admission?.headers ?? {},
      turn,
      run: (sink, signal) => {
        if (settled !== undefined) throw new Error('a generation runs once');
        const startedAt = now().toISOString();
        events.started({ id, streaming: context.streaming });
        const { drain, circuit } = this.dependencies;
        const linked = this.runSignal(signal);
        const running = runGeneration({ ...input(linked.signal), circuit }, sink);
        const outcome =
          drain === undefined
            ? running
            : running.then((result) => {
                linked.release();
                // Aborted by a shutdown while the client was still there: it is told why (stored as aborted).
                return result.status === 'aborted' && drain.signal.aborted && !signal.aborted
                  ? { ...result, error: shuttingDown() }
                  : result;
              });
        settled = outcome.then((result) => settle(result, startedAt));
        drain?.track(settled);
        // On Workers a client that leaves ends the invocation: waitUntil keeps the model call and the
        // final writes alive (RELIABILITY.md pitfall 3). A failure still reaches the route through `settled`.
        context.runInBackground(settled.then(noop, noop));
        return outcome;
      },
      get settled() {
        return settled ?? Promise.reject(new Error('the generation has not run'));
      },
    };
  }
}
