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
import { costOf } from './pricing.ts';
import { retryTransient } from './retry-transient.ts';
import { retrySettings } from './retry-policy.ts';
import type { ConversationMessage } from './model-prompt.ts';

export interface PreparedTurn {
  ownerId: string;
  conversationId: string;
  userMessageId: string;
  assistantMessageId: string;
  generationId: string;
  /** The requested model and its fallbacks. */
  route: ModelRoute;
  startedAt: string;
  system: string | undefined;
  messages: ConversationMessage[];
  parameters: GenerationParameters;
}

interface ChatServiceDependencies {
  config: Config;
  store: ConversationStore;
  registry: ModelRegistry;
  logger: Logger;
  now: () => Date;
}

const titleLength = 60;

/** A new conversation's title: its first user message cut to 60 characters (whole code points). */
export function titleFromMessage(message: string): string {
  return Array.from(message).slice(0, titleLength).join('');
}

/** Stored messages as the model sees them: empty answers (an abort before any text) and system rows left out. */
export function promptMessagesOf(rows: MessageRow[]): ConversationMessage[] {
  return rows
    .filter((row) => row.content !== '' && row.role !== 'system')
    .map((row): ConversationMessage =>
      row.role === 'user' ? { role: 'user', content: row.content } : { role: 'assistant', content: row.content },
    );
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

/** One exchange in a conversation: store the user message, run the model, store the answer. */
export class ChatService {
  private readonly dependencies: ChatServiceDependencies;

  constructor(dependencies: ChatServiceDependencies) {
    this.dependencies = dependencies;
  }

  /**
   * Checks the model and the conversation, takes the conversation's generation lock and stores the
   * user message. Throws NOT_FOUND or CONFLICT before any upstream call.
   */
  async begin(caller: Caller, request: ChatRequestBody): Promise<PreparedTurn> {
    const { config, store, registry } = this.dependencies;
    const ownerId = caller.userId;
    const modelName = request.model ?? defaultModelName(config);
    const route = registry.resolve(modelName);
    assertModelAllowed(caller, modelName, route);
    const history =
      request.conversation_id === undefined
        ? []
        : await this.history(ownerId, request.conversation_id, config.HISTORY_CONTEXT_MESSAGES);

    const now = this.dependencies.now();
    const startedAt = now.toISOString();
    const generationId = crypto.randomUUID();
    const turn = {
      ownerId,
      generationId,
      lockExpiresAt: now.getTime() + (config.REQUEST_TIMEOUT_SECONDS + 60) * 1000,
      now: startedAt,
      model: route.model.id,
      userMessage: {
        id: crypto.randomUUID(),
        role: 'user' as const,
        content: request.message,
        status: 'complete' as const,
        createdAt: startedAt,
        completedAt: startedAt,
      },
    };
    const title = titleFromMessage(request.message);
    let conversationId = request.conversation_id;
    if (conversationId === undefined) {
      conversationId = crypto.randomUUID();
      await store.beginNewConversationTurn(conversationId, title, turn);
    } else {
      const result = await store.beginTurn(conversationId, title, turn);
      if (result.outcome === 'conflict') {
        throw new AppError('CONFLICT', 'A generation is already in progress in this conversation');
      }
    }

    return {
      ownerId,
      conversationId,
      userMessageId: turn.userMessage.id,
      assistantMessageId: crypto.randomUUID(),
      generationId,
      route,
      startedAt,
      system: request.system ?? config.SYSTEM_PROMPT,
      messages: [...history, { role: 'user', content: request.message }],
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

  /** Stores the assistant message in its terminal status and releases the lock (retried: it is idempotent). */
  async finish(turn: PreparedTurn, outcome: GenerationOutcome): Promise<void> {
    const completedAt = this.dependencies.now().toISOString();
    await retryTransient(
      () =>
        this.dependencies.store.finishTurn(
          turn.ownerId,
          turn.conversationId,
          turn.generationId,
          {
            id: turn.assistantMessageId,
            role: 'assistant',
            content: outcome.text,
            status: outcome.status,
            model: outcome.model.id,
            costUsd: costOf(this.dependencies.config.MODEL_PRICES, outcome.model.id, outcome.inputTokens, outcome.outputTokens),
            finishReason: outcome.finishReason,
            inputTokens: outcome.inputTokens,
            outputTokens: outcome.outputTokens,
            errorCode: outcome.error?.code ?? null,
            latencyMs: outcome.latencyMs,
            timeToFirstTokenMs: outcome.timeToFirstTokenMs,
            createdAt: turn.startedAt,
            completedAt,
          },
          completedAt,
        ),
      this.dependencies.logger,
    );
  }

  private async history(ownerId: string, conversationId: string, limit: number): Promise<ConversationMessage[]> {
    const { store } = this.dependencies;
    const conversation = await store.get(ownerId, conversationId);
    if (!conversation) throw notFound('Conversation');
    return promptMessagesOf(await store.recentMessages(ownerId, conversationId, limit));
  }
}
