import type { Caller } from '../auth/caller.ts';
import { defaultModelName, type Config } from '../config.ts';
import type { Limiter, Admission } from '../limits/limiter.ts';
import type { ModelRoute } from '../providers/model-registry.ts';
import type { RunInBackground } from '../runtime/background.ts';
import type { ChatRequestBody } from '../schemas/chat.ts';
import type { UiChatRequestBody } from '../schemas/ui-chat.ts';
import type { ChatService, PreparedTurn } from './chat-service.ts';
import type { GenerationEvents, GenerationSettled } from './generation-events.ts';
import { runGeneration, type GenerationInput, type GenerationOutcome, type GenerationSink } from './generation.ts';
import { costOf } from './pricing.ts';
import { statelessGeneration, type StatelessRequest } from './stateless-generation.ts';
import type { UiChatService } from './ui-chat-service.ts';
import type { Services } from '../app-env.ts';

const noop = () => undefined;

/** Where a generation comes from: the caller and the request it serves. */
export interface GenerationContext {
  caller: Caller;
  /** Hono's route pattern (`/api/chat/stream`). */
  route: string;
  requestId: string | undefined;
  clientAddress: string | undefined;
  streaming: boolean;
  /** OpenAI's `user` field, recorded with the usage. */
  endUser?: string | undefined;
  runInBackground: RunInBackground;
  /** Told once the generation settled (the access log line of a stream waits for it). */
  onSettled?: ((event: GenerationSettled) => void) | undefined;
}

/** An admitted generation, ready to call its model once. */
export interface Generation {
  /** The requested model and its fallbacks. */
  readonly route: ModelRoute;
  /** X-RateLimit-* headers for the response (none when no limit applies). */
  readonly headers: Record<string, string>;
  /** The chat turn, for generations stored in a conversation. */
  readonly turn: PreparedTurn | undefined;
  /**
   * Calls the model (never throws: failures are the outcome). When the outcome is known the generation
   * settles by itself, exactly once: the conversation's messages are stored, then the one settled event
   * fires (usage, limits, metrics).
   */
  run(sink: GenerationSink, signal: AbortSignal): Promise<GenerationOutcome>;
  /** Resolves when settled; rejects when the answer could not be stored (the event fired anyway). */
  readonly settled: Promise<void>;
}

interface GenerationServiceDependencies {
  config: Config;
  chat: ChatService;
  uiChat: UiChatService;
  limiter: Limiter;
  events: GenerationEvents;
  now: () => Date;
  services: Pick<Services, 'config' | 'registry' | 'logger'>;
}

/**
 * The one owner of a generation's life on every route: admission (the caller's limits: 429 before any
 * model call), the run (the one retry and fallback layer), persistence of a chat turn, and the one
 * settled event with the outcome, tokens, cost, latency and time to first token. Routes only frame the
 * answer as JSON or SSE.
 */
export class GenerationService {
  private readonly dependencies: GenerationServiceDependencies;

  constructor(dependencies: GenerationServiceDependencies) {
    this.dependencies = dependencies;
  }

  /** A one-shot generation: the model is resolved (404, or 403 outside the key's models) before the caller is admitted. */
  async stateless(context: GenerationContext, request: StatelessRequest): Promise<Generation> {
    const { route, input } = statelessGeneration(this.dependencies.services, context.caller, request);
    const admission = await this.admit(context);
    return this.generation(
      context,
      request.model ?? defaultModelName(this.dependencies.config),
      route,
      admission,
      input,
      undefined,
    );
  }

  /**
   * A turn in a conversation: the caller is admitted, then the conversation's generation lock is taken
   * and the user message stored (404, 409). A turn refused there counts nothing against the limits.
   */
  async chat(context: GenerationContext, body: ChatRequestBody): Promise<Generation & { turn: PreparedTurn }> {
    return this.turn(context, body.model, () => this.dependencies.chat.begin(context.caller, body));
  }

  /** A turn of useChat's (/api/ui/chat): as `chat`, the turn prepared from the UI request (regenerate included). */
  async uiChat(context: GenerationContext, body: UiChatRequestBody): Promise<Generation & { turn: PreparedTurn }> {
    return this.turn(context, body.model, () => this.dependencies.uiChat.begin(context.caller, body));
  }

  private async turn(
    context: GenerationContext,
    model: string | undefined,
    begin: () => Promise<PreparedTurn>,
  ): Promise<Generation & { turn: PreparedTurn }> {
    const { chat } = this.dependencies;
    const admission = await this.admit(context);
    let turn: PreparedTurn;
    try {
      turn = await begin();
    } catch (error) {
      if (admission) context.runInBackground(admission.refund());
      throw error;
    }
    const requested = model ?? defaultModelName(this.dependencies.config);
    return this.generation(context, requested, turn.route, admission, (signal) => chat.generationInput(turn, signal), turn);
  }

  private admit(context: GenerationContext): Promise<Admission | undefined> {
    return this.dependencies.limiter.admit(context.caller, context.clientAddress, context.streaming, this.dependencies.now());
  }

  private generation<Turn extends PreparedTurn | undefined>(
    context: GenerationContext,
    requestedModel: string,
    route: ModelRoute,
    admission: Admission | undefined,
    input: (signal: AbortSignal) => GenerationInput,
    turn: Turn,
  ): Generation & { turn: Turn } {
    const { events, chat, config, now } = this.dependencies;
    const id = crypto.randomUUID();
    let settled: Promise<void> | undefined;
    let ran = false;

    const settle = async (outcome: GenerationOutcome, startedAt: string): Promise<void> => {
      let storeFailure: Error | undefined;
      try {
        if (turn) await chat.finish(turn, outcome);
      } catch (error) {
        storeFailure = error instanceof Error ? error : new Error('the answer could not be stored');
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
        limitCaller: admission?.caller ?? '',
        leaseId: admission?.leaseId,
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
    };

    return {
      route,
      headers: admission?.headers ?? {},
      turn,
      run: (sink, signal) => {
        if (ran) throw new Error('a generation runs once');
        ran = true;
        const startedAt = now().toISOString();
        events.started({ id, streaming: context.streaming });
        const outcome = runGeneration(input(signal), sink);
        settled = outcome.then((result) => settle(result, startedAt));
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
