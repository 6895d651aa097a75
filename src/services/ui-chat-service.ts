import { assertModelAllowed } from '../auth/model-access.ts';
import type { Caller } from '../auth/caller.ts';
import { defaultModelName, type Config } from '../config.ts';
import type { ConversationStore, NewTurn } from '../db/conversation-store.ts';
import { AppError, notFound } from '../errors/app-error.ts';
import type { ModelRegistry } from '../providers/model-registry.ts';
import { textOf, type UiChatRequestBody } from '../schemas/ui-chat.ts';
import { promptMessagesOf, resolveParameters, titleFromMessage, type PreparedTurn } from './chat-service.ts';
import { conversationIdForChat } from './ui-conversation-id.ts';

interface UiChatServiceDependencies {
  config: Config;
  store: ConversationStore;
  registry: ModelRegistry;
  now: () => Date;
}

type TurnLock = Omit<NewTurn, 'userMessage'>;
type TurnBase = Omit<PreparedTurn, 'userMessageId' | 'messages'>;

const conflict = () => new AppError('CONFLICT', 'A generation is already in progress in this conversation');
const invalid = (field: string, message: string) => new AppError('INVALID_INPUT', message, { details: [{ field, message }] });

/**
 * The turns of /api/ui/chat (the AI SDK's useChat): the chat id names the conversation, created on
 * first use; only the new user message is taken from the request, the earlier turns come from what is
 * stored; a regenerate replaces the last answer. The run and the final write are ChatService's, as for
 * /api/chat. Every check happens before any upstream call.
 */
export class UiChatService {
  private readonly dependencies: UiChatServiceDependencies;

  constructor(dependencies: UiChatServiceDependencies) {
    this.dependencies = dependencies;
  }

  async begin(caller: Caller, request: UiChatRequestBody): Promise<PreparedTurn> {
    const { config, registry } = this.dependencies;
    const ownerId = caller.userId;
    const modelName = request.model ?? defaultModelName(config);
    const route = registry.resolve(modelName);
    assertModelAllowed(caller, modelName, route);
    const now = this.dependencies.now();
    const startedAt = now.toISOString();
    const lock: TurnLock = {
      ownerId,
      generationId: crypto.randomUUID(),
      lockExpiresAt: now.getTime() + (config.REQUEST_TIMEOUT_SECONDS + 60) * 1000,
      now: startedAt,
      model: route.model.id,
    };
    const base: TurnBase = {
      ownerId,
      conversationId: await conversationIdForChat(ownerId, request.id),
      assistantMessageId: crypto.randomUUID(),
      generationId: lock.generationId,
      route,
      startedAt,
      system: request.system ?? config.SYSTEM_PROMPT,
      parameters: resolveParameters(config, request.parameters),
    };
    return request.trigger === 'regenerate-message'
      ? this.beginRegenerate(base, lock, request.messageId)
      : this.beginSubmit(base, lock, request);
  }

  private async beginSubmit(base: TurnBase, lock: TurnLock, request: UiChatRequestBody): Promise<PreparedTurn> {
    const { config, store } = this.dependencies;
    const { conversationId } = base;
    const last = request.messages.at(-1);
    const text = last === undefined ? '' : textOf(last);
    const turn: NewTurn = {
      ...lock,
      userMessage: {
        id: crypto.randomUUID(),
        role: 'user',
        content: text,
        status: 'complete',
        createdAt: lock.now,
        completedAt: lock.now,
      },
    };
    const prepared = (history: PreparedTurn['messages']): PreparedTurn => ({
      ...base,
      userMessageId: turn.userMessage.id,
      messages: [...history, { role: 'user', content: text }],
    });
    const title = titleFromMessage(text);

    if (!(await store.get(lock.ownerId, conversationId))) {
      const created = await store.beginTurnInNewConversation(conversationId, title, turn);
      if (created.outcome === 'started') return prepared([]);
      // It exists: the caller's own, made by a request that ran meanwhile, or another owner's (404).
      if (!(await store.get(lock.ownerId, conversationId))) throw notFound('Conversation');
    }
    const history = promptMessagesOf(await store.recentMessages(lock.ownerId, conversationId, config.HISTORY_CONTEXT_MESSAGES));
    const result = await store.beginTurn(conversationId, title, turn);
    if (result.outcome === 'conflict') throw conflict();
    return prepared(history);
  }

  /** Answers the last user message again; the answer it replaces is deleted when the lock is taken. */
  private async beginRegenerate(base: TurnBase, lock: TurnLock, messageId: string | undefined): Promise<PreparedTurn> {
    const { config, store } = this.dependencies;
    const { conversationId } = base;
    if (!(await store.get(lock.ownerId, conversationId))) throw notFound('Conversation');
    const limit = config.HISTORY_CONTEXT_MESSAGES;
    // The answer to replace, the user message it answered and the `limit` messages before them.
    const rows = await store.recentMessages(lock.ownerId, conversationId, limit + 2);
    const replaced = rows.at(-1)?.role === 'assistant' ? rows.pop() : undefined;
    if (messageId !== undefined && messageId !== replaced?.id) {
      throw invalid('messageId', 'only the last answer of the conversation can be regenerated');
    }
    const question = rows.at(-1);
    if (question?.role !== 'user') throw invalid('trigger', 'the conversation has no user message to answer');
    const context = rows.slice(Math.max(0, rows.length - 1 - limit));

    const result = await store.beginRegenerateTurn(conversationId, replaced?.id, lock);
    if (result.outcome === 'conflict') throw conflict();
    return { ...base, userMessageId: question.id, messages: promptMessagesOf(context) };
  }
}
