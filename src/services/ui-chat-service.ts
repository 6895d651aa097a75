import { assertModelAllowed } from '../auth/model-access.ts';
import type { Caller } from '../auth/caller.ts';
import { defaultModelName, type Config } from '../config.ts';
import type { ConversationStore, NewTurn } from '../db/conversation-store.ts';
import { AppError, notFound } from '../errors/app-error.ts';
import type { ModelRegistry, ModelRoute } from '../providers/model-registry.ts';
import { textOf, type UiChatRequestBody } from '../schemas/ui-chat.ts';
import { resolveParameters, titleFromMessage, type PreparedTurn } from './chat-service.ts';
import type { ImageFetcher } from './image-fetch.ts';
import { inlineImages } from './image-inputs.ts';
import type { ConversationMessage } from './model-prompt.ts';
import { historyMessages } from './turn-history.ts';
import { newTurn } from './turn-record.ts';
import { conversationIdForChat } from './ui-conversation-id.ts';

interface UiChatServiceDependencies {
  config: Config;
  store: ConversationStore;
  registry: ModelRegistry;
  now: () => Date;
  fetchImage: ImageFetcher;
}

/** What every turn of the request shares, before the conversation is looked at. */
interface TurnRequest {
  ownerId: string;
  conversationId: string;
  route: ModelRoute;
  request: UiChatRequestBody;
  signal: AbortSignal;
}

const conflict = () => new AppError('CONFLICT', 'A generation is already in progress in this conversation');
const invalid = (field: string, message: string) => new AppError('INVALID_INPUT', message, { details: [{ field, message }] });

/**
 * The turns of /api/ui/chat (the AI SDK's useChat): the chat id names the conversation, created on
 * first use; only the new user message is taken from the request, the earlier turns come from what is
 * stored; a regenerate answers the last user message again in place of the last answer. The run and
 * the final write are ChatService's, as for /api/chat. Every check happens before any upstream call.
 */
export class UiChatService {
  private readonly dependencies: UiChatServiceDependencies;

  constructor(dependencies: UiChatServiceDependencies) {
    this.dependencies = dependencies;
  }

  async begin(caller: Caller, request: UiChatRequestBody, signal: AbortSignal): Promise<PreparedTurn> {
    const { config, registry } = this.dependencies;
    const modelName = request.model ?? defaultModelName(config);
    const route = registry.resolve(modelName);
    assertModelAllowed(caller, modelName, route);
    const ownerId = caller.userId;
    const turn: TurnRequest = {
      ownerId,
      conversationId: await conversationIdForChat(ownerId, request.id),
      route,
      request,
      signal,
    };
    return request.trigger === 'regenerate-message' ? this.beginRegenerate(turn) : this.beginSubmit(turn);
  }

  private async beginSubmit({ ownerId, conversationId, route, request, signal }: TurnRequest): Promise<PreparedTurn> {
    const { config, store } = this.dependencies;
    const last = request.messages.at(-1);
    const text = last === undefined ? '' : textOf(last);
    const userMessageId = crypto.randomUUID();
    const turn = newTurn(config, ownerId, route.model.id, this.dependencies.now(), {
      id: userMessageId,
      content: text,
      images: [],
    });
    const title = titleFromMessage(text);
    const current: ConversationMessage = { role: 'user', content: text };
    const prepared = async (history: ConversationMessage[]) =>
      this.prepared(route, request, turn, {
        ownerId,
        conversationId,
        userMessageId,
        replacesAnswer: false,
        messages: await inlineImages(route, [...history, current], this.dependencies.fetchImage, signal),
      });

    const { userMessage } = turn;
    if (userMessage === undefined) throw new Error('newTurn made no user message');
    if (!(await store.get(ownerId, conversationId))) {
      const created = await store.beginTurnInNewConversation(conversationId, title, { ...turn, userMessage });
      if (created.outcome === 'started') return prepared([]);
      // It exists: the caller's own, made by a request that ran meanwhile, or another owner's (404).
      if (!(await store.get(ownerId, conversationId))) throw notFound('Conversation');
    }
    const history = historyMessages(await store.recentMessages(ownerId, conversationId, config.HISTORY_CONTEXT_MESSAGES));
    if ((await store.beginTurn(conversationId, title, turn)).outcome === 'conflict') throw conflict();
    return prepared(history);
  }

  /**
   * Answers the last user message again. The new answer takes the stored last answer's place (its id
   * and position; ChatService.finish replaces it), so the conversation keeps one answer to it.
   */
  private async beginRegenerate({ ownerId, conversationId, route, request, signal }: TurnRequest): Promise<PreparedTurn> {
    const { config, store } = this.dependencies;
    if (!(await store.get(ownerId, conversationId))) throw notFound('Conversation');
    const limit = config.HISTORY_CONTEXT_MESSAGES;
    // The answer to replace, the user message it answered and the `limit` messages before them.
    const rows = await store.recentMessages(ownerId, conversationId, limit + 2);
    const replaced = rows.at(-1)?.role === 'assistant' ? rows.pop() : undefined;
    if (request.messageId !== undefined && request.messageId !== replaced?.id) {
      throw invalid('messageId', 'only the last answer of the conversation can be regenerated');
    }
    const question = rows.at(-1);
    if (question?.role !== 'user') throw invalid('trigger', 'the conversation has no user message to answer');
    const messages = await inlineImages(
      route,
      historyMessages(rows.slice(Math.max(0, rows.length - 1 - limit))),
      this.dependencies.fetchImage,
      signal,
    );

    const turn = newTurn(config, ownerId, route.model.id, this.dependencies.now(), undefined);
    if ((await store.beginTurn(conversationId, titleFromMessage(question.content), turn)).outcome === 'conflict')
      throw conflict();
    return this.prepared(route, request, turn, {
      ownerId,
      conversationId,
      userMessageId: question.id,
      replacesAnswer: replaced !== undefined,
      messages,
      ...(replaced === undefined ? {} : { assistantMessageId: replaced.id }),
    });
  }

  private prepared(
    route: ModelRoute,
    request: UiChatRequestBody,
    turn: NewTurn,
    fields: Pick<PreparedTurn, 'ownerId' | 'conversationId' | 'userMessageId' | 'replacesAnswer' | 'messages'> & {
      assistantMessageId?: string;
    },
  ): PreparedTurn {
    const { config } = this.dependencies;
    return {
      assistantMessageId: crypto.randomUUID(),
      ...fields,
      generationId: turn.generationId,
      startedAt: turn.now,
      route,
      system: request.system ?? config.SYSTEM_PROMPT,
      parameters: resolveParameters(config, request.parameters),
    };
  }
}
