import { index, integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { apiKeys, sessions, users } from './auth-schema.ts';
import { limitCounters, streamLeases, usage, usageDaily } from './usage-schema.ts';

export const messageRoles = ['user', 'assistant', 'system'] as const;
export const messageStatuses = ['complete', 'aborted', 'error'] as const;

export type MessageRole = (typeof messageRoles)[number];
export type MessageStatus = (typeof messageStatuses)[number];

export const conversations = sqliteTable(
  'conversations',
  {
    id: text('id').primaryKey(),
    /** The user who owns it (rows from before auth belong to `local`). */
    ownerId: text('owner_id').notNull(),
    /** NULL until the first user message names it (or the owner renames it). */
    title: text('title'),
    model: text('model'),
    /** Set while a generation runs; a second one is refused with 409 until it is cleared or expires. */
    activeGenerationId: text('active_generation_id'),
    activeGenerationExpiresAt: integer('active_generation_expires_at'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (table) => [index('conversations_owner_updated_idx').on(table.ownerId, table.updatedAt, table.id)],
);

export const messages = sqliteTable(
  'messages',
  {
    id: text('id').primaryKey(),
    conversationId: text('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    /** Insertion order inside a conversation; timestamps can tie. */
    sequence: integer('sequence').notNull(),
    role: text('role', { enum: messageRoles }).notNull(),
    content: text('content').notNull(),
    status: text('status', { enum: messageStatuses }).notNull(),
    model: text('model'),
    finishReason: text('finish_reason'),
    inputTokens: integer('input_tokens'),
    outputTokens: integer('output_tokens'),
    errorCode: text('error_code'),
    latencyMs: real('latency_ms'),
    timeToFirstTokenMs: real('time_to_first_token_ms'),
    createdAt: text('created_at').notNull(),
    completedAt: text('completed_at'),
    /** US dollars, from the configured price of `model`; NULL when no price or no usage is known. */
    costUsd: real('cost_usd'),
    /** A user message's images, a JSON array of their URLs (data: URLs, or https for /v1 exchanges); NULL when none. */
    images: text('images'),
    /** An assistant message's user message (the turn it answers); NULL for older rows and user messages. */
    replyTo: text('reply_to'),
  },
  (table) => [index('messages_conversation_sequence_idx').on(table.conversationId, table.sequence)],
);

export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type NewMessageRow = typeof messages.$inferInsert;

/**
 * How many conversations each owner has, kept by triggers on `conversations` (migration 0002), so the
 * history list's `total` is one row read instead of a count over every conversation (7 ms at 100k).
 */
export const conversationCounts = sqliteTable('conversation_counts', {
  ownerId: text('owner_id').primaryKey(),
  conversationCount: integer('conversation_count').notNull().default(0),
});

export const schema = {
  conversations,
  messages,
  conversationCounts,
  users,
  sessions,
  apiKeys,
  usage,
  usageDaily,
  limitCounters,
  streamLeases,
};
