import type { Config } from '../config.ts';
import type { NewTurn } from '../db/conversation-store.ts';
import { imagesColumn } from '../db/message-images.ts';

/** A user message to store with a turn: its id, text and image URLs. */
export interface TurnUserMessage {
  id: string;
  content: string;
  images: readonly string[];
}

/**
 * What the store needs to begin a turn: a fresh generation id, a lock that expires a minute after the
 * generation's own deadline (so a crashed process does not block the conversation for ever) and the
 * user message, when there is one to store.
 */
export function newTurn(
  config: Pick<Config, 'REQUEST_TIMEOUT_SECONDS'>,
  ownerId: string,
  modelId: string,
  now: Date,
  userMessage: TurnUserMessage | undefined,
): NewTurn {
  const startedAt = now.toISOString();
  return {
    ownerId,
    generationId: crypto.randomUUID(),
    lockExpiresAt: now.getTime() + (config.REQUEST_TIMEOUT_SECONDS + 60) * 1000,
    now: startedAt,
    model: modelId,
    ...(userMessage === undefined
      ? {}
      : {
          userMessage: {
            id: userMessage.id,
            role: 'user' as const,
            content: userMessage.content,
            images: imagesColumn(userMessage.images),
            status: 'complete' as const,
            createdAt: startedAt,
            completedAt: startedAt,
          },
        }),
  };
}
