import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const usageOutcomes = ['complete', 'aborted', 'error'] as const;
export type UsageOutcome = (typeof usageOutcomes)[number];

/**
 * The usage ledger: one row per generation (a request that called a model; its retries and fallbacks
 * are its `attempts`), whatever its route and outcome. Not a child of conversations: deleting history
 * keeps usage. Token counts are NULL when the upstream did not report them, never 0 or NaN.
 */
export const usage = sqliteTable(
  'usage',
  {
    /** The generation's id (written once: a retried write stores nothing twice). */
    id: text('id').primaryKey(),
    /** When the generation started, ISO 8601 UTC. */
    createdAt: text('created_at').notNull(),
    /** Hono's route pattern (`/api/chat/stream`, `/v1/chat/completions`). */
    route: text('route').notNull(),
    kind: text('kind', { enum: ['chat', 'embedding'] }).notNull(),
    userId: text('user_id').notNull(),
    keyId: text('key_id'),
    /** The model as the request named it (an alias, a bare name or provider/model). */
    requestedModel: text('requested_model').notNull(),
    provider: text('provider').notNull(),
    /** provider/model that answered (on failure, the last one tried). */
    model: text('model').notNull(),
    outcome: text('outcome', { enum: usageOutcomes }).notNull(),
    errorCode: text('error_code'),
    inputTokens: integer('input_tokens'),
    outputTokens: integer('output_tokens'),
    costUsd: real('cost_usd'),
    latencyMs: real('latency_ms').notNull(),
    ttftMs: real('ttft_ms'),
    attempts: integer('attempts').notNull(),
    requestId: text('request_id'),
    /** OpenAI's `user` field: the end user a client names for its own accounting. */
    endUser: text('end_user'),
    conversationId: text('conversation_id'),
  },
  (table) => [index('usage_created_idx').on(table.createdAt), index('usage_user_created_idx').on(table.userId, table.createdAt)],
);

/**
 * Usage summed per UTC day, user, key and model, kept by a trigger on `usage` (migration 0004), so a
 * report over a month reads a few thousand rows instead of every generation; only the partial days at
 * the edges of a report's range are summed from `usage` itself. `key_id` is '' for calls without a key.
 */
export const usageDaily = sqliteTable(
  'usage_daily',
  {
    day: text('day').notNull(),
    userId: text('user_id').notNull(),
    keyId: text('key_id').notNull(),
    model: text('model').notNull(),
    requests: integer('requests').notNull(),
    inputTokens: integer('input_tokens').notNull(),
    outputTokens: integer('output_tokens').notNull(),
    costUsd: real('cost_usd').notNull(),
  },
  (table) => [primaryKey({ columns: [table.day, table.userId, table.keyId, table.model] })],
);

/**
 * Admitted model calls and token use of each caller in its current window (`requests` per minute,
 * `tokens` per UTC day): one row per caller and kind, whose count starts again when a new window does,
 * so nothing piles up. Every process and Worker isolate sharing the database shares them.
 */
export const limitCounters = sqliteTable(
  'limit_counters',
  {
    caller: text('caller').notNull(),
    kind: text('kind', { enum: ['requests', 'tokens'] }).notNull(),
    /** ISO start of the window the count belongs to: the minute (`2026-12-01T10:05`) or the day (`2026-12-01`). */
    windowStart: text('window_start').notNull(),
    count: integer('count').notNull(),
  },
  (table) => [primaryKey({ columns: [table.caller, table.kind] })],
);

/**
 * One row per streaming generation in progress (the concurrent-stream limit). A lease expires on its
 * own, so a process that dies mid-stream does not hold its caller's slots for ever.
 */
export const streamLeases = sqliteTable(
  'stream_leases',
  {
    id: text('id').primaryKey(),
    caller: text('caller').notNull(),
    /** Epoch ms after which the lease no longer counts. */
    expiresAt: integer('expires_at').notNull(),
  },
  (table) => [index('stream_leases_caller_idx').on(table.caller, table.expiresAt)],
);

export type UsageRow = typeof usage.$inferSelect;
export type NewUsageRow = typeof usage.$inferInsert;
