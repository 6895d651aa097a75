import type { Services } from '../app-env.ts';
import { AppError, notFound } from '../errors/app-error.ts';
import type { StoredTurn } from './chat-service.ts';
import { titleFromMessage } from './chat-service.ts';
import { imagesOf } from './image-inputs.ts';
import type { ConversationMessage } from './model-prompt.ts';
import { newTurn } from './turn-record.ts';

/** `X-Conversation-Id` on /v1/chat/completions: a conversation of the caller's, or `new`. */
export type ExchangeTarget = { kind: 'new' } | { kind: 'existing'; conversationId: string };

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The header's target; undefined without the header (the call stays stateless). */
export function exchangeTarget(header: string | undefined): ExchangeTarget | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value.toLowerCase() === 'new') return { kind: 'new' };
  if (uuidPattern.test(value)) return { kind: 'existing', conversationId: value.toLowerCase() };
  throw new AppError('INVALID_INPUT', 'Invalid input', {
    details: [{ field: 'X-Conversation-Id', message: 'must be a conversation id or "new"' }],
  });
}

/** 404 for a conversation that is unknown or not the caller's, before anything is fetched or called. */
export async function assertExchangeTarget(store: Services['store'], ownerId: string, target: ExchangeTarget): Promise<void> {
  if (target.kind === 'existing' && !(await store.get(ownerId, target.conversationId))) throw notFound('Conversation');
}

/**
 * Stores an OpenAI client's exchange like an /api/chat turn: takes the conversation's generation lock
 * (409 while another runs) and stores the request's last message when it is the user's (a request
 * that ends in tool results stores only the answer). The model still sees exactly what the client
 * sent: nothing stored is added to its messages.
 */
export async function beginExchange(
  services: Pick<Services, 'store' | 'config' | 'now'>,
  ownerId: string,
  target: ExchangeTarget,
  exchange: { modelId: string; messages: readonly ConversationMessage[] },
): Promise<StoredTurn> {
  const { store, config } = services;
  const last = exchange.messages.at(-1);
  const userMessages = exchange.messages.filter((message) => message.role === 'user');
  const title = titleFromMessage(userMessages.at(-1)?.content ?? '');
  const userMessage =
    last?.role === 'user'
      ? { id: crypto.randomUUID(), content: last.content, images: imagesOf(last.parts).map((image) => image.url) }
      : undefined;
  const turn = newTurn(config, ownerId, exchange.modelId, services.now(), userMessage);
  let conversationId: string;
  if (target.kind === 'new') {
    conversationId = crypto.randomUUID();
    await store.beginNewConversationTurn(conversationId, title, turn);
  } else {
    conversationId = target.conversationId;
    const result = await store.beginTurn(conversationId, title, turn);
    if (result.outcome === 'conflict') throw new AppError('CONFLICT', 'A generation is already in progress in this conversation');
  }
  return {
    ownerId,
    conversationId,
    userMessageId: userMessage?.id,
    assistantMessageId: crypto.randomUUID(),
    generationId: turn.generationId,
    startedAt: turn.now,
    replacesAnswer: false,
  };
}
