import { assertModelAllowed } from '../auth/model-access.ts';
import type { Caller } from '../auth/caller.ts';
import { defaultModelName, type Config } from '../config.ts';
import type { ConversationStore } from '../db/conversation-store.ts';
import type { MessageRow } from '../db/schema.ts';
import { AppError, notFound } from '../errors/app-error.ts';
import type { Logger } from '../logger.ts';
import type { GenerationParameters } from '../providers/model-provider.ts';
import type { ModelRegistry, ModelRoute } from '../providers/model-registry.ts';
import type { ChatRequestBody } from '../schemas/chat.ts';
import type { GenerationInput, GenerationOutcome } from './generation.ts';
import type { ImageFetcher } from './image-fetch.ts';
import { imageInput, inlineImages } from './image-inputs.ts';
import type { ConversationMessage } from './model-prompt.ts';
import { costOf } from './pricing.ts';
import { retryTransient } from './retry-transient.ts';
import { retrySettings } from './retry-policy.ts';
import { storedImages } from '../db/message-images.ts';
import { historyMessages, userParts } from './turn-history.ts';
import { newTurn } from './turn-record.ts';

/** A turn that holds its conversation's generation lock: what storing its answer needs. */
export interface StoredTurn {
  /** The owner of the conversation (every store query carries it). */
  ownerId: string;
  conversationId: string;
  /** The user message the answer replies to; undefined for a /v1 exchange that ends in tool results. */
  userMessageId: string | undefined;
  assistantMessageId: string;
  generationId: string;
  startedAt: string;
  /** The answer takes the place of a stored aborted or failed one (a `message_id` sent again). */
  replacesAnswer: boolean;
}

export interface PreparedTurn extends StoredTurn {
  /** The requested model and its fallbacks. */
  route: ModelRoute;
  system: string | undefined;
  messages: ConversationMessage[];
  parameters: GenerationParameters;
}

/** `replay`: the `message_id`'s turn is complete; its stored answer is the response and nothing is called. */
export type BegunTurn = { kind: 'run'; turn: PreparedTurn } | { kind: 'replay'; conversationId: string; answer: MessageRow };

interface ChatServiceDependencies {
  config: Config;
  store: ConversationStore;
  registry: ModelRegistry;
  logger: Logger;
  now: () => Date;
  fetchImage: ImageFetcher;
}

const titleLength = 60;

/** A new conversation's title: its first user message cut to 60 characters (whole code points). */
export function titleFromMessage(message: string): string {
  return Array.from(message).slice(0, titleLength).join('');
}

/** Parameters from the request, falling back to the configured defaults. */
export function resolveParameters(config: Config, requested: ChatRequestBody['parameters']): GenerationParameters {
  const maxOutputTokens = requested?.max_tokens ?? config.MODEL_DEFAULT_MAX_TOKENS;
  return {
    temperature: requested?.temperature ?? config.MODEL_DEFAULT_TEMPERATURE,
    topP: requested?.top_p ?? config.MODEL_DEFAULT_TOP_P,
    maxOutputTokens: maxOutputTokens === undefined ? undefined : Math.min(maxOutputTokens, config.MAX_OUTPUT_TOKENS),
    stopSequences: requested?.stop,
  };
}

const conflict = (message: string) => new AppError('CONFLICT', message);
const inProgress = () => conflict('A generation is already in progress in this conversation');
const idReused = () =>
  new AppError('CONFLICT', 'message_id is already used for another message', {
    details: [{ field: 'message_id', message: 'already used with another conversation or text' }],
  });

/** One exchange in a conversation: store the user message, run the model, store the answer. */
export class ChatService {
  private readonly dependencies: ChatServiceDependencies;

  constructor(dependencies: ChatServiceDependencies) {
    this.dependencies = dependencies;
  }

  /**
   * Checks the model and the conversation, takes the conversation's generation lock and stores the
   * user message. Throws NOT_FOUND or CONFLICT before any upstream call. With a `message_id` already
   * stored, it answers from that turn instead (API.md "Chat with history").
   */
  async begin(caller: Caller, request: ChatRequestBody, signal: AbortSignal, attempt = 1): Promise<BegunTurn> {
    const { config, store, registry } = this.dependencies;
    const ownerId = caller.userId;
    const modelName = request.model ?? defaultModelName(config);
    const route = registry.resolve(modelName);
    assertModelAllowed(caller, modelName, route);
    const now = this.dependencies.now();
    if (request.message_id !== undefined) {
      const again = await this.beginAgain(ownerId, request, request.message_id, route, now, signal);
      if (again !== undefined) return again;
    }
    const history =
      request.conversation_id === undefined
        ? []
        : await this.history(ownerId, request.conversation_id, config.HISTORY_CONTEXT_MESSAGES);
    const images = (request.images ?? []).map((url, index) => imageInput(url, `images.${String(index)}`));
    const parts = userParts(request.message, images);
    const current: ConversationMessage =
      parts === undefined ? { role: 'user', content: request.message } : { role: 'user', content: request.message, parts };
    // Before the lock: a stored image that cannot be fetched is a 400 that leaves nothing behind.
    const messages = await this.inline(route, [...history, current], signal);
    const userMessageId = request.message_id ?? crypto.randomUUID();
    const turn = newTurn(this.dependencies.config, ownerId, route.model.id, now, {
      id: userMessageId,
      content: request.message,
      images: request.images ?? [],
    });
    const title = titleFromMessage(request.message);
    let conversationId = request.conversation_id;
    if (conversationId === undefined) {
      conversationId = crypto.randomUUID();
      const result = await store.beginNewConversationTurn(conversationId, title, turn);
      // Another request with this message_id stored it first: answer as a retry of that one.
      if (result.outcome === 'taken') {
        if (attempt > 1) throw inProgress();
        return this.begin(caller, request, signal, attempt + 1);
      }
    } else if ((await store.beginTurn(conversationId, title, turn)).outcome === 'conflict') {
      throw inProgress();
    }
    return {
      kind: 'run',
      turn: this.prepared(route, request, {
        ownerId,
        conversationId,
        userMessageId,
        assistantMessageId: crypto.randomUUID(),
        generationId: turn.generationId,
        startedAt: turn.now,
        replacesAnswer: false,
        messages,
      }),
    };
  }

  /**
   * A `message_id` that is stored already: its complete answer is replayed; an aborted or failed one
   * (or none, after a crash) is generated again in its place. Undefined when the id is new.
   */
  private async beginAgain(
    ownerId: string,
    request: ChatRequestBody,
    messageId: string,
    route: ModelRoute,
    now: Date,
    signal: AbortSignal,
  ): Promise<BegunTurn | undefined> {
    const { store, config } = this.dependencies;
    const lookup = await store.findTurn(ownerId, messageId, now.getTime());
    if (lookup.found === 'none') return undefined;
    if (lookup.found === 'foreign') throw idReused();
    const { message, answer } = lookup;
    const sameConversation =
      request.conversation_id === undefined ? message.sequence === 1 : request.conversation_id === message.conversationId;
    const sameImages = JSON.stringify(storedImages(message)) === JSON.stringify(request.images ?? []);
    if (message.role !== 'user' || !sameConversation || message.content !== request.message || !sameImages) throw idReused();
    if (answer?.status === 'complete') return { kind: 'replay', conversationId: message.conversationId, answer };
    if (lookup.locked) throw inProgress();

    // The context the first attempt had: the messages up to this user message.
    const rows = await store.recentMessages(
      ownerId,
      message.conversationId,
      config.HISTORY_CONTEXT_MESSAGES,
      message.sequence + 1,
    );
    const messages = await this.inline(route, historyMessages(rows), signal);
    const turn = newTurn(this.dependencies.config, ownerId, route.model.id, now, undefined);
    if ((await store.beginTurn(message.conversationId, titleFromMessage(request.message), turn)).outcome === 'conflict')
      throw inProgress();
    return {
      kind: 'run',
      turn: this.prepared(route, request, {
        ownerId,
        conversationId: message.conversationId,
        userMessageId: message.id,
        assistantMessageId: answer?.id ?? crypto.randomUUID(),
        generationId: turn.generationId,
        startedAt: turn.now,
        replacesAnswer: answer !== undefined,
        messages,
      }),
    };
  }

  /** Stored https images (from /v1 exchanges) fetched for a route with a provider that takes only inline ones. */
  private inline(route: ModelRoute, messages: ConversationMessage[], signal: AbortSignal): Promise<ConversationMessage[]> {
    return inlineImages(route, messages, this.dependencies.fetchImage, signal);
  }

  private prepared(
    route: ModelRoute,
    request: ChatRequestBody,
    turn: StoredTurn & { messages: ConversationMessage[] },
  ): PreparedTurn {
    const { config } = this.dependencies;
    return {
      ...turn,
      route,
      system: request.system ?? config.SYSTEM_PROMPT,
      parameters: resolveParameters(config, request.parameters),
    };
  }

  generationInput(turn: PreparedTurn, signal: AbortSignal): GenerationInput {
    const { config, logger } = this.dependencies;
    return {
      model: turn.route.model,
      fallbacks: turn.route.fallbacks,
      system: turn.system,
      messages: turn.messages,
      parameters: turn.parameters,
      signal,
      totalTimeoutMs: config.REQUEST_TIMEOUT_SECONDS * 1000,
      retry: retrySettings(config),
      logger,
    };
  }

  /**
   * Stores the assistant message in its terminal status and releases the lock (retried, each attempt
   * within DATABASE_WRITE_TIMEOUT_MS: it is idempotent). Returns when it was stored: the answer's `timestamp`.
   */
  async finish(turn: StoredTurn, outcome: GenerationOutcome): Promise<string> {
    const completedAt = this.dependencies.now().toISOString();
    const { config, store, logger } = this.dependencies;
    await retryTransient(
      () =>
        store.finishTurn(
          turn.ownerId,
          turn.conversationId,
          turn.generationId,
          {
            id: turn.assistantMessageId,
            role: 'assistant',
            content: outcome.text,
            status: outcome.status,
            model: outcome.model.id,
            costUsd: costOf(config.MODEL_PRICES, outcome.model.id, outcome.inputTokens, outcome.outputTokens),
            finishReason: outcome.finishReason,
            inputTokens: outcome.inputTokens,
            outputTokens: outcome.outputTokens,
            errorCode: outcome.error?.code ?? null,
            latencyMs: outcome.latencyMs,
            timeToFirstTokenMs: outcome.timeToFirstTokenMs,
            replyTo: turn.userMessageId ?? null,
            createdAt: turn.startedAt,
            completedAt,
          },
          completedAt,
          { replace: turn.replacesAnswer },
        ),
      logger,
      config.DATABASE_WRITE_TIMEOUT_MS,
    );
    return completedAt;
  }

  private async history(ownerId: string, conversationId: string, limit: number): Promise<ConversationMessage[]> {
    const { store } = this.dependencies;
    const conversation = await store.get(ownerId, conversationId);
    if (!conversation) throw notFound('Conversation');
    return historyMessages(await store.recentMessages(ownerId, conversationId, limit));
  }
}
