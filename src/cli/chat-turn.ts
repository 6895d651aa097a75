/** One turn through POST /api/chat/stream, timed as the client sees it; shared by query, chat and compare. */
import { ApiError, type ApiClient } from '../client/api-client.ts';
import type { ChatDoneEvent, Conversation } from '../client/api-types.ts';

export interface ChatTurnRequest {
  message: string;
  model?: string | undefined;
  conversation_id?: string | undefined;
  system?: string | undefined;
  parameters?: { temperature?: number; max_tokens?: number } | undefined;
}

export interface ChatTurnResult {
  /** From `X-Conversation-Id` as the stream starts, so a stopped first turn still has one. */
  conversationId: string | undefined;
  text: string;
  /** The done event; undefined when the turn was stopped. */
  done: ChatDoneEvent | undefined;
  /** True when the signal stopped the turn (the server keeps the partial answer as `aborted`). */
  aborted: boolean;
  /** From sending the request to the first piece of text. */
  firstTokenMs: number | undefined;
  totalMs: number;
}

export interface ChatTurnOptions {
  signal?: AbortSignal | undefined;
  now(): number;
  onToken?: (token: string) => void;
}

/** Only the fields the request has: options left out are not sent as null or undefined. */
export function requestBody(request: ChatTurnRequest): Record<string, unknown> {
  return Object.fromEntries(Object.entries(request).filter(([, value]) => value !== undefined));
}

export async function runChatTurn(
  client: ApiClient,
  request: ChatTurnRequest,
  options: ChatTurnOptions,
): Promise<ChatTurnResult> {
  const started = options.now();
  let conversationId = request.conversation_id;
  let firstTokenMs: number | undefined;
  let text = '';
  let done: ChatDoneEvent | undefined;
  const result = (aborted: boolean): ChatTurnResult => ({
    conversationId,
    text,
    done,
    aborted,
    firstTokenMs,
    totalMs: options.now() - started,
  });
  try {
    const stream = await client.stream('/api/chat/stream', requestBody(request), { signal: options.signal });
    conversationId = stream.headers.get('x-conversation-id') ?? conversationId;
    for await (const event of stream.events) {
      if (typeof event['token'] === 'string') {
        firstTokenMs ??= options.now() - started;
        text += event['token'];
        options.onToken?.(event['token']);
      } else if (event['done'] === true) {
        done = event as unknown as ChatDoneEvent;
        conversationId = done.conversation_id;
      }
    }
  } catch (error) {
    if (options.signal?.aborted === true) return result(true);
    throw error;
  }
  if (options.signal?.aborted === true) return result(true);
  if (done === undefined) throw new ApiError(200, 'CONNECTION_LOST', 'The answer ended without its done event');
  return result(false);
}

/** The stored cost of an answer (`cost_usd` of its history message); null when its model has no price. */
export async function answerCost(client: ApiClient, conversationId: string, messageId: string): Promise<number | null> {
  const conversation = await client.get<Conversation>(`/api/history/${encodeURIComponent(conversationId)}`);
  return conversation.messages.find((message) => message.id === messageId)?.cost_usd ?? null;
}
