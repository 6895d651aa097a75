import { and, desc, eq, lt, sql } from 'drizzle-orm';
import { pruneBeyondLimit } from './conversation-retention.ts';
import type { Database, RawStatement } from './database.ts';
import { messageColumns, withDecodedContent } from './message-columns.ts';
import { insertConversation, insertMessage, releaseLock, takeLock } from './turn-statements.ts';
import {
  conversationCounts,
  conversations,
  messages,
  type ConversationRow,
  type MessageRow,
  type NewMessageRow,
} from './schema.ts';

export interface ConversationSummary extends ConversationRow {
  messageCount: number;
}

export type NewMessage = Omit<NewMessageRow, 'sequence' | 'conversationId'>;

export interface NewTurn {
  ownerId: string;
  generationId: string;
  /** Epoch ms after which a crashed generation no longer blocks the conversation. */
  lockExpiresAt: number;
  now: string;
  model: string;
  /** Absent when the user message is already stored (a turn generated again) or there is none (a /v1 tool round). */
  userMessage?: NewMessage | undefined;
}

/** A user message found by its id, with its conversation's lock and the answer to it, if any. */
export type StoredTurnLookup =
  | { found: 'none' }
  /** The id is taken by another owner's message: nothing of it is returned. */
  | { found: 'foreign' }
  | {
      found: 'own';
      message: MessageRow;
      /** Whether a generation holds the conversation's lock now. */
      locked: boolean;
      answer: MessageRow | undefined;
    };

/** The conversation belongs to the owner: message queries carry it, so a missed check elsewhere cannot leak rows. */
const ownedBy = (ownerId: string, conversationId: string) =>
  sql`exists (select 1 from ${conversations} where ${conversations.id} = ${conversationId} and ${conversations.ownerId} = ${ownerId})`;

export type BeginTurnResult = { outcome: 'started' } | { outcome: 'conflict' };

/** `taken`: a message with the user message's id exists already (a concurrent retry got there first). */
export type BeginNewConversationResult = { outcome: 'started' } | { outcome: 'taken' };

export interface ConversationStoreOptions {
  /** HISTORY_MAX_CONVERSATIONS: how many conversations an owner keeps; undefined keeps them all. */
  maxConversations?: number | undefined;
}

/** All conversation and message queries. Every query that takes an owner filters by it. */
export class ConversationStore {
  private readonly database: Database;
  private readonly maxConversations: number | undefined;

  constructor(database: Database, options: ConversationStoreOptions = {}) {
    this.database = database;
    this.maxConversations = options.maxConversations;
  }

  private get db() {
    return this.database.drizzle;
  }

  async list(ownerId: string, limit: number, offset: number): Promise<{ rows: ConversationSummary[]; total: number }> {
    // Written out: inside the subquery drizzle's unqualified column names would bind to `messages`.
    const messageCount = sql<number>`(select count(*) from "messages" where "messages"."conversation_id" = "conversations"."id")`;
    const [rows, totals] = await Promise.all([
      this.db
        .select({ conversation: conversations, messageCount })
        .from(conversations)
        .where(eq(conversations.ownerId, ownerId))
        .orderBy(desc(conversations.updatedAt), desc(conversations.id))
        .limit(limit)
        .offset(offset),
      // Kept by triggers (migration 0002): counting 100k rows per page load took 7 ms.
      this.db
        .select({ total: conversationCounts.conversationCount })
        .from(conversationCounts)
        .where(eq(conversationCounts.ownerId, ownerId)),
    ]);
    return {
      rows: rows.map((row) => ({ ...row.conversation, messageCount: row.messageCount })),
      total: totals[0]?.total ?? 0,
    };
  }

  async create(row: { id: string; ownerId: string; title: string | null; now: string }): Promise<ConversationRow> {
    const insert = this.db
      .insert(conversations)
      .values({ id: row.id, ownerId: row.ownerId, title: row.title, createdAt: row.now, updatedAt: row.now })
      .returning();
    const prune = this.pruneBeyondLimit(row.ownerId, row.id, Date.parse(row.now));
    const [[created]] = prune === undefined ? await this.db.batch([insert]) : await this.db.batch([insert, prune]);
    if (!created) throw new Error('insert returned no row');
    return created;
  }

  /** The deletion of the owner's conversations beyond HISTORY_MAX_CONVERSATIONS (conversation-retention.ts). */
  pruneBeyondLimit(ownerId: string, keptId: string, nowMs: number) {
    return this.maxConversations === undefined
      ? undefined
      : pruneBeyondLimit(this.db, { ownerId, keptId, nowMs, maxConversations: this.maxConversations });
  }

  async get(ownerId: string, id: string): Promise<ConversationRow | undefined> {
    const [row] = await this.db
      .select()
      .from(conversations)
      .where(and(eq(conversations.id, id), eq(conversations.ownerId, ownerId)))
      .limit(1);
    return row;
  }

  /** The messages of one of the owner's conversations, in order (none for another owner's). */
  async messagesOf(ownerId: string, conversationId: string): Promise<MessageRow[]> {
    const rows = await this.db
      .select(messageColumns)
      .from(messages)
      .where(and(eq(messages.conversationId, conversationId), ownedBy(ownerId, conversationId)))
      .orderBy(messages.sequence);
    return withDecodedContent(rows);
  }

  /**
   * The last `limit` messages of one of the owner's conversations, oldest first: the context sent with the
   * next model call. With `beforeSequence`, only messages before it (the context of a turn generated again).
   */
  async recentMessages(ownerId: string, conversationId: string, limit: number, beforeSequence?: number): Promise<MessageRow[]> {
    if (limit === 0) return [];
    const inConversation = eq(messages.conversationId, conversationId);
    const rows = await this.db
      .select(messageColumns)
      .from(messages)
      .where(
        and(
          inConversation,
          ownedBy(ownerId, conversationId),
          beforeSequence === undefined ? undefined : lt(messages.sequence, beforeSequence),
        ),
      )
      .orderBy(desc(messages.sequence))
      .limit(limit);
    return withDecodedContent(rows).reverse();
  }

  /**
   * The owner's user message with this id (a client's `message_id`), whether its conversation is locked,
   * and the answer stored for it. An id used by another owner is only reported as `foreign`.
   */
  async findTurn(ownerId: string, messageId: string, nowMs: number): Promise<StoredTurnLookup> {
    const [row] = await this.db
      .select({
        message: messageColumns,
        lockId: conversations.activeGenerationId,
        lockExpiresAt: conversations.activeGenerationExpiresAt,
      })
      .from(messages)
      .innerJoin(conversations, eq(conversations.id, messages.conversationId))
      .where(and(eq(messages.id, messageId), eq(conversations.ownerId, ownerId)))
      .limit(1);
    if (!row) {
      const [other] = await this.db.select({ id: messages.id }).from(messages).where(eq(messages.id, messageId)).limit(1);
      return other ? { found: 'foreign' } : { found: 'none' };
    }
    const [message] = withDecodedContent([row.message]);
    if (!message) return { found: 'none' };
    const answers = await this.db
      .select(messageColumns)
      .from(messages)
      .where(and(eq(messages.conversationId, message.conversationId), eq(messages.replyTo, messageId)))
      .limit(1);
    return {
      found: 'own',
      message,
      locked: row.lockId !== null && (row.lockExpiresAt ?? 0) >= nowMs,
      answer: withDecodedContent(answers)[0],
    };
  }

  async rename(ownerId: string, id: string, title: string, now: string): Promise<boolean> {
    const rows = await this.db
      .update(conversations)
      .set({ title, updatedAt: now })
      .where(and(eq(conversations.id, id), eq(conversations.ownerId, ownerId)))
      .returning({ id: conversations.id });
    return rows.length > 0;
  }

  async delete(ownerId: string, id: string): Promise<boolean> {
    // Messages go through ON DELETE CASCADE.
    const rows = await this.db
      .delete(conversations)
      .where(and(eq(conversations.id, id), eq(conversations.ownerId, ownerId)))
      .returning({ id: conversations.id });
    return rows.length > 0;
  }

  /**
   * Creates a conversation holding the generation lock, with its first user message, atomically. When a
   * message with that user message's id exists already (two retries of one `message_id` at once),
   * nothing is written and the outcome is `taken`.
   */
  async beginNewConversationTurn(conversationId: string, title: string, turn: NewTurn): Promise<BeginNewConversationResult> {
    const { userMessage } = turn;
    const statements = [insertConversation(conversationId, title, turn, { messageTaken: userMessage?.id })];
    if (userMessage !== undefined) {
      statements.push(insertMessage(conversationId, userMessage, { lockedBy: turn.generationId }));
    }
    const [created] = await this.database.rawBatch(this.withPrune(statements, turn.ownerId, conversationId, turn.now));
    return created !== undefined && created.length > 0 ? { outcome: 'started' } : { outcome: 'taken' };
  }

  /**
   * Creates a conversation with the id a client chose (the chat id of /api/ui/chat), holding the
   * generation lock, with its first user message, atomically. `exists` when a conversation with that
   * id is already there (the caller's or another owner's): nothing is written then.
   */
  async beginTurnInNewConversation(
    conversationId: string,
    title: string,
    turn: NewTurn & { userMessage: NewMessage },
  ): Promise<{ outcome: 'started' } | { outcome: 'exists' }> {
    const statements = [
      insertConversation(conversationId, title, turn, 'conversationExists'),
      insertMessage(conversationId, turn.userMessage, { lockedBy: turn.generationId }),
    ];
    const [created] = await this.database.rawBatch(this.withPrune(statements, turn.ownerId, conversationId, turn.now));
    return created !== undefined && created.length > 0 ? { outcome: 'started' } : { outcome: 'exists' };
  }

  /** `statements`, then the deletion of conversations beyond HISTORY_MAX_CONVERSATIONS when it is set. */
  private withPrune(statements: RawStatement[], ownerId: string, keptId: string, now: string): RawStatement[] {
    const prune = this.pruneBeyondLimit(ownerId, keptId, Date.parse(now));
    if (prune === undefined) return statements;
    const { sql: text, params } = prune.toSQL();
    return [...statements, { sql: text, args: params as RawStatement['args'] }];
  }

  /**
   * Takes the conversation's generation lock and stores the user message, in one batch: the insert
   * only happens when the lock was taken by this turn, so a refused turn writes nothing. Without a
   * user message it only takes the lock (a turn generated again, a /v1 exchange ending in tool results).
   */
  async beginTurn(conversationId: string, title: string, turn: NewTurn): Promise<BeginTurnResult> {
    const { userMessage } = turn;
    const statements = [takeLock(conversationId, title, turn, userMessage?.id)];
    if (userMessage !== undefined) {
      statements.push(insertMessage(conversationId, userMessage, { lockedBy: turn.generationId }));
    }
    const [locked] = await this.database.rawBatch(statements);
    return locked !== undefined && locked.length > 0 ? { outcome: 'started' } : { outcome: 'conflict' };
  }

  /**
   * Stores the assistant message in its terminal status and releases the lock, atomically. Keyed by
   * message id, so a retried call stores nothing twice; a conversation deleted meanwhile stores nothing.
   * `replace`: the message takes the place of the stored one with its id (an aborted or failed answer
   * generated again), keeping its position in the conversation.
   */
  async finishTurn(
    ownerId: string,
    conversationId: string,
    generationId: string,
    assistantMessage: NewMessage,
    now: string,
    options: { replace?: boolean } = {},
  ): Promise<void> {
    await this.database.rawBatch([
      insertMessage(conversationId, assistantMessage, { ownedBy: ownerId }, options.replace === true),
      releaseLock(ownerId, conversationId, generationId, now),
    ]);
  }
}
