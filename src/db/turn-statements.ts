/**
 * The statements of a chat turn's writes (the lock, the user message, the answer), as SQL text written
 * once with positional arguments: they run on every turn, and building them through drizzle cost more
 * CPU than SQLite spent running them (~11 % of `/api/chat/stream` at concurrency 16 in a profile).
 * They are the statements drizzle built from conversation-store.ts's queries before, character for
 * character where that mattered (`insert … select … where` before `on conflict`, which SQLite needs).
 */
import type { RawStatement } from './database.ts';
import type { NewMessage, NewTurn } from './conversation-store.ts';

type Value = string | number | null;

const messageColumns =
  '"id", "conversation_id", "sequence", "role", "content", "status", "model", "finish_reason", "input_tokens", "output_tokens", "error_code", "latency_ms", "time_to_first_token_ms", "created_at", "completed_at", "cost_usd", "images", "reply_to"';
const nextSequence =
  '(select coalesce(max("messages"."sequence"), 0) + 1 from "messages" where "messages"."conversation_id" = ?)';
const messageValues = `?, ?, ${nextSequence}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?`;
/** On a message id sent again for an aborted or failed answer: the new answer takes its place. */
const replacedColumns = [
  'content',
  'status',
  'model',
  'finish_reason',
  'input_tokens',
  'output_tokens',
  'error_code',
  'latency_ms',
  'time_to_first_token_ms',
  'created_at',
  'completed_at',
  'cost_usd',
];
const onConflict = {
  keep: 'on conflict ("messages"."id") do nothing',
  replace: `on conflict ("messages"."id") do update set ${replacedColumns.map((column) => `"${column}" = excluded.${column}`).join(', ')}`,
};

/** What must hold for a message to be stored: the turn holds the lock, or the conversation is the owner's. */
export type MessageCondition = { lockedBy: string } | { ownedBy: string };

const conditionSql = {
  lockedBy:
    'exists (select 1 from "conversations" where "conversations"."id" = ? and "conversations"."active_generation_id" = ?)',
  ownedBy: 'exists (select 1 from "conversations" where "conversations"."id" = ? and "conversations"."owner_id" = ?)',
};

const insertMessageWhere = (condition: string, conflict: string) =>
  `insert into "messages" (${messageColumns}) select ${messageValues} where ${condition} ${conflict}`;
const insertMessageSql = {
  lockedBy: {
    keep: insertMessageWhere(conditionSql.lockedBy, onConflict.keep),
    replace: insertMessageWhere(conditionSql.lockedBy, onConflict.replace),
  },
  ownedBy: {
    keep: insertMessageWhere(conditionSql.ownedBy, onConflict.keep),
    replace: insertMessageWhere(conditionSql.ownedBy, onConflict.replace),
  },
};

/** Inserts a message as the conversation's next one, only when `condition` holds; an id stored already is kept or, with `replace`, replaced. */
export function insertMessage(
  conversationId: string,
  message: NewMessage,
  condition: MessageCondition,
  replace = false,
): RawStatement {
  const [kind, value] =
    'lockedBy' in condition ? (['lockedBy', condition.lockedBy] as const) : (['ownedBy', condition.ownedBy] as const);
  const args: Value[] = [
    message.id,
    conversationId,
    conversationId,
    message.role,
    message.content,
    message.status,
    message.model ?? null,
    message.finishReason ?? null,
    message.inputTokens ?? null,
    message.outputTokens ?? null,
    message.errorCode ?? null,
    message.latencyMs ?? null,
    message.timeToFirstTokenMs ?? null,
    message.createdAt,
    message.completedAt ?? null,
    message.costUsd ?? null,
    message.images ?? null,
    message.replyTo ?? null,
    conversationId,
    value,
  ];
  return { sql: insertMessageSql[kind][replace ? 'replace' : 'keep'], args };
}

const conversationColumns =
  '"id", "owner_id", "title", "model", "active_generation_id", "active_generation_expires_at", "created_at", "updated_at"';
const insertConversationSql = {
  always: `insert into "conversations" (${conversationColumns}) select ?, ?, ?, ?, ?, ?, ?, ? where 1 returning "id"`,
  idFree: `insert into "conversations" (${conversationColumns}) select ?, ?, ?, ?, ?, ?, ?, ? where not exists (select 1 from "messages" where "messages"."id" = ?) returning "id"`,
  unlessExists: `insert into "conversations" (${conversationColumns}) values (?, ?, ?, ?, ?, ?, ?, ?) on conflict ("conversations"."id") do nothing returning "id"`,
};

/**
 * Creates a conversation holding the turn's generation lock; returns its id as a row when it was made.
 * `unless`: `messageTaken`, not when a message has the user message's id already; `conversationExists`,
 * not when a conversation has this id already.
 */
export function insertConversation(
  conversationId: string,
  title: string,
  turn: NewTurn,
  unless: { messageTaken: string | undefined } | 'conversationExists',
): RawStatement {
  const values: Value[] = [
    conversationId,
    turn.ownerId,
    title,
    turn.model,
    turn.generationId,
    turn.lockExpiresAt,
    turn.now,
    turn.now,
  ];
  if (unless === 'conversationExists') return { sql: insertConversationSql.unlessExists, args: values };
  const { messageTaken } = unless;
  return messageTaken === undefined
    ? { sql: insertConversationSql.always, args: values }
    : { sql: insertConversationSql.idFree, args: [...values, messageTaken] };
}

const takeLockSql = {
  any: 'update "conversations" set "title" = coalesce("conversations"."title", ?), "model" = ?, "active_generation_id" = ?, "active_generation_expires_at" = ?, "updated_at" = ? where ("conversations"."id" = ? and "conversations"."owner_id" = ? and ("conversations"."active_generation_id" is null or "conversations"."active_generation_expires_at" < ?)) returning "id"',
  idFree:
    'update "conversations" set "title" = coalesce("conversations"."title", ?), "model" = ?, "active_generation_id" = ?, "active_generation_expires_at" = ?, "updated_at" = ? where ("conversations"."id" = ? and "conversations"."owner_id" = ? and ("conversations"."active_generation_id" is null or "conversations"."active_generation_expires_at" < ?) and not exists (select 1 from "messages" where "messages"."id" = ?)) returning "id"',
};

/**
 * Takes the owner's conversation's generation lock when it is free or expired (and, with
 * `messageTaken`, no message has that id); returns the conversation's id as a row when it was taken.
 */
export function takeLock(conversationId: string, title: string, turn: NewTurn, messageTaken: string | undefined): RawStatement {
  const args: Value[] = [
    title,
    turn.model,
    turn.generationId,
    turn.lockExpiresAt,
    turn.now,
    conversationId,
    turn.ownerId,
    Date.parse(turn.now),
  ];
  return messageTaken === undefined ? { sql: takeLockSql.any, args } : { sql: takeLockSql.idFree, args: [...args, messageTaken] };
}

const releaseLockSql =
  'update "conversations" set "active_generation_id" = ?, "active_generation_expires_at" = ?, "updated_at" = ? where ("conversations"."id" = ? and "conversations"."owner_id" = ? and "conversations"."active_generation_id" = ?)';

/** Releases the lock the generation holds on the owner's conversation (nothing when it holds none). */
export function releaseLock(ownerId: string, conversationId: string, generationId: string, now: string): RawStatement {
  return { sql: releaseLockSql, args: [null, null, now, conversationId, ownerId, generationId] };
}
