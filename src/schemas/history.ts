import { z } from '@hono/zod-openapi';
import type { ConversationSummary } from '../db/conversation-store.ts';
import { messageRoles, messageStatuses, type ConversationRow, type MessageRow } from '../db/schema.ts';
import { storedImages } from '../db/message-images.ts';
import { usageSchema } from './common.ts';

export const defaultTitle = 'New conversation';

export const conversationIdParams = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' }, example: '0f8fad5b-d9cb-469f-a165-70867728950e' }),
});

export const historyListQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(10)
    .openapi({ param: { name: 'limit', in: 'query' } }),
  offset: z.coerce
    .number()
    .int()
    .min(0)
    .max(1_000_000_000)
    .default(0)
    .openapi({ param: { name: 'offset', in: 'query' } }),
});

export const createConversationBody = z.object({ title: z.string().min(1).max(200).optional() });
export const renameConversationBody = z.object({ title: z.string().min(1).max(200) });

const conversationFields = {
  id: z.uuid(),
  title: z.string(),
  model: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
};

export const conversationSummarySchema = z
  .object({ ...conversationFields, message_count: z.number().int() })
  .openapi('ConversationSummary');

export const messageSchema = z
  .object({
    id: z.uuid(),
    role: z.enum(messageRoles),
    content: z.string(),
    images: z.array(z.string()).optional().openapi({
      description: "A user message's images: data URLs (or the https URLs an OpenAI client sent with X-Conversation-Id)",
    }),
    timestamp: z.string(),
    status: z.enum(messageStatuses),
    model: z.string().optional(),
    finish_reason: z.string().optional(),
    error_code: z.string().optional(),
    usage: usageSchema.optional(),
    cost_usd: z
      .number()
      .optional()
      .openapi({ description: "The answer's cost in US dollars, when its model has a price (MODEL_PRICES)" }),
  })
  .openapi('Message');

export const conversationSchema = z.object({ ...conversationFields, messages: z.array(messageSchema) }).openapi('Conversation');

export const createdConversationSchema = z
  .object({ ...conversationFields, message_count: z.number().int(), messages: z.array(messageSchema) })
  .openapi('CreatedConversation');

export const historyListSchema = z
  .object({
    conversations: z.array(conversationSummarySchema),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  })
  .openapi('ConversationList');

const conversationHead = (row: ConversationRow) => ({
  id: row.id,
  title: row.title ?? defaultTitle,
  model: row.model,
  created_at: row.createdAt,
  updated_at: row.updatedAt,
});

export const toConversationSummary = (row: ConversationSummary) => ({
  ...conversationHead(row),
  message_count: row.messageCount,
});

export function toMessage(row: MessageRow): z.infer<typeof messageSchema> {
  const hasUsage = row.role === 'assistant' && (row.inputTokens !== null || row.outputTokens !== null);
  const images = storedImages(row);
  return {
    id: row.id,
    role: row.role,
    content: row.content,
    ...(images.length === 0 ? {} : { images }),
    timestamp: row.createdAt,
    status: row.status,
    ...(row.model === null ? {} : { model: row.model }),
    ...(row.finishReason === null ? {} : { finish_reason: row.finishReason }),
    ...(row.errorCode === null ? {} : { error_code: row.errorCode }),
    ...(hasUsage ? { usage: { input_tokens: row.inputTokens, output_tokens: row.outputTokens } } : {}),
    ...(row.costUsd === null ? {} : { cost_usd: row.costUsd }),
  };
}

export const toConversation = (row: ConversationRow, messages: MessageRow[]) => ({
  ...conversationHead(row),
  messages: messages.map(toMessage),
});
