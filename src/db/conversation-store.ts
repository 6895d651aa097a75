import { and, desc, eq, getTableColumns, sql } from 'drizzle-orm';
import type { Database } from './database.ts';
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

export interface NewTurn {
  ownerId: string;
  generationId: string;
  /** Epoch ms after which a crashed generation no longer blocks the conversation. */
  lockExpiresAt: number;
  now: string;
  model: string;
  userMessage: Omit<NewMessageRow, 'sequence' | 'conversationId'>;
}

/**
 * Message columns, with `content` read as hex: the libSQL driver cuts TEXT values at the first NUL
 * character when reading (the stored bytes are intact), so content is decoded here instead.
 */
const messageColumns = { ...getTableColumns(messages), content: sql<string>`hex(${messages.content})` };

const utf8 = new TextDecoder();

function decodeHexText(hex: string): string {
  const bytes = new Uint8Array(hex.length / 2);
  for (let index = 0; index < bytes.length; index += 1) bytes[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  return utf8.decode(bytes);
}

const withDecodedContent = (rows: MessageRow[]): MessageRow[] =>
  rows.map((row) => ({ ...row, content: decodeHexText(row.content) }));

/** The conversation belongs to the owner: message queries carry it, so a missed check elsewhere cannot leak rows. */
const ownedBy = (ownerId: string, conversationId: string) =>
  sql`exists (select 1 from ${conversations} where ${conversations.id} = ${conversationId} and ${conversations.ownerId} = ${ownerId})`;

export type BeginTurnResult = { outcome: 'started' } | { outcome: 'conflict' };

/** All conversation and message queries. Every query that takes an owner filters by it. */
export class ConversationStore {
  private readonly database: Database;

  constructor(database: Database) {
    this.database = database;
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
    const [created] = await this.db
      .insert(conversations)
      .values({ id: row.id, ownerId: row.ownerId, title: row.title, createdAt: row.now, updatedAt: row.now })
      .returning();
    if (!created) throw new Error('insert returned no row');
    return created;
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

  /** The last `limit` messages of one of the owner's conversations, oldest first: the context of the next model call. */
  async recentMessages(ownerId: string, conversationId: string, limit: number): Promise<MessageRow[]> {
    if (limit === 0) return [];
    const rows = await this.db
      .select(messageColumns)
      .from(messages)
      .where(and(eq(messages.conversationId, conversationId), ownedBy(ownerId, conversationId)))
      .orderBy(desc(messages.sequence))
      .limit(limit);
    return withDecodedContent(rows).reverse();
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

  /** Creates a conversation holding the generation lock, with its first user message, atomically. */
  async beginNewConversationTurn(conversationId: string, title: string, turn: NewTurn): Promise<void> {
    await this.db.batch([
      this.db.insert(conversations).values({
        id: conversationId,
        ownerId: turn.ownerId,
        title,
        model: turn.model,
        activeGenerationId: turn.generationId,
        activeGenerationExpiresAt: turn.lockExpiresAt,
        createdAt: turn.now,
        updatedAt: turn.now,
      }),
      this.insertMessageWhere(conversationId, turn.userMessage, sql`1`),
    ]);
  }

  /**
   * Creates a conversation with the id a client chose (the chat id of /api/ui/chat), holding the
   * generation lock, with its first user message, atomically. `exists` when a conversation with that
   * id is already there (the caller's or another owner's): nothing is written then.
   */
  async beginTurnInNewConversation(
    conversationId: string,
    title: string,
    turn: NewTurn,
  ): Promise<{ outcome: 'started' } | { outcome: 'exists' }> {
    const [created] = await this.db.batch([
      this.db
        .insert(conversations)
        .values({
          id: conversationId,
          ownerId: turn.ownerId,
          title,
          model: turn.model,
          activeGenerationId: turn.generationId,
          activeGenerationExpiresAt: turn.lockExpiresAt,
          createdAt: turn.now,
          updatedAt: turn.now,
        })
        .onConflictDoNothing({ target: conversations.id })
        .returning({ id: conversations.id }),
      this.insertMessageWhere(conversationId, turn.userMessage, this.lockHeldBy(conversationId, turn.generationId)),
    ]);
    return created.length > 0 ? { outcome: 'started' } : { outcome: 'exists' };
  }

  /**
   * Takes the conversation's generation lock to answer its last user message again, and deletes the
   * answer being replaced (`replacedMessageId`, when it is still the conversation's last message) in the
   * same batch, so a refused turn deletes nothing and the new answer takes the old one's place.
   */
  async beginRegenerateTurn(
    conversationId: string,
    replacedMessageId: string | undefined,
    turn: Omit<NewTurn, 'userMessage'>,
  ): Promise<BeginTurnResult> {
    const lastSequence = sql`(select max(${messages.sequence}) from ${messages} where ${messages.conversationId} = ${conversationId})`;
    const [locked] = await this.db.batch([
      this.takeLock(conversationId, turn, {}),
      this.db.delete(messages).where(
        and(
          eq(messages.conversationId, conversationId),
          // No id: nothing to replace (the last message is a user message whose answer was never stored).
          eq(messages.id, replacedMessageId ?? ''),
          eq(messages.role, 'assistant'),
          sql`${messages.sequence} = ${lastSequence}`,
          ownedBy(turn.ownerId, conversationId),
          this.lockHeldBy(conversationId, turn.generationId),
        ),
      ),
    ]);
    return locked.length > 0 ? { outcome: 'started' } : { outcome: 'conflict' };
  }

  /**
   * Takes the conversation's generation lock and stores the user message, in one batch: the insert
   * only happens when the lock was taken by this turn, so a refused turn writes nothing.
   */
  async beginTurn(conversationId: string, title: string, turn: NewTurn): Promise<BeginTurnResult> {
    const [locked] = await this.db.batch([
      this.takeLock(conversationId, turn, { title: sql`coalesce(${conversations.title}, ${title})` }),
      this.insertMessageWhere(conversationId, turn.userMessage, this.lockHeldBy(conversationId, turn.generationId)),
    ]);
    return locked.length > 0 ? { outcome: 'started' } : { outcome: 'conflict' };
  }

  /**
   * Stores the assistant message in its terminal status and releases the lock, atomically. Keyed by
   * message id, so a retried call stores nothing twice; a conversation deleted meanwhile stores nothing.
   */
  async finishTurn(
    ownerId: string,
    conversationId: string,
    generationId: string,
    assistantMessage: Omit<NewMessageRow, 'sequence' | 'conversationId'>,
    now: string,
  ): Promise<void> {
    await this.db.batch([
      this.insertMessageWhere(conversationId, assistantMessage, ownedBy(ownerId, conversationId)),
      this.db
        .update(conversations)
        .set({ activeGenerationId: null, activeGenerationExpiresAt: null, updatedAt: now })
        .where(
          and(
            eq(conversations.id, conversationId),
            eq(conversations.ownerId, ownerId),
            eq(conversations.activeGenerationId, generationId),
          ),
        ),
    ]);
  }

  /** Sets the generation lock on the owner's conversation when it is free (or its holder's time ran out). */
  private takeLock(
    conversationId: string,
    turn: Omit<NewTurn, 'userMessage'>,
    changes: Partial<Record<'title', ReturnType<typeof sql>>>,
  ) {
    const nowMs = Date.parse(turn.now);
    return this.db
      .update(conversations)
      .set({
        ...changes,
        activeGenerationId: turn.generationId,
        activeGenerationExpiresAt: turn.lockExpiresAt,
        model: turn.model,
        updatedAt: turn.now,
      })
      .where(
        and(
          eq(conversations.id, conversationId),
          eq(conversations.ownerId, turn.ownerId),
          sql`(${conversations.activeGenerationId} is null or ${conversations.activeGenerationExpiresAt} < ${nowMs})`,
        ),
      )
      .returning({ id: conversations.id });
  }

  /** True inside a statement when this generation holds the conversation's lock (set earlier in the batch). */
  private lockHeldBy(conversationId: string, generationId: string) {
    return sql`exists (select 1 from ${conversations} where ${conversations.id} = ${conversationId} and ${conversations.activeGenerationId} = ${generationId})`;
  }

  private insertMessageWhere(
    conversationId: string,
    message: Omit<NewMessageRow, 'sequence' | 'conversationId'>,
    condition: ReturnType<typeof sql>,
  ) {
    const nextSequence = sql`(select coalesce(max(${messages.sequence}), 0) + 1 from ${messages} where ${messages.conversationId} = ${conversationId})`;
    // An insert builder, not `db.run(sql)`: drizzle's D1 batch cannot bind parameters of raw statements.
    // The selected values follow the table's column order, which drizzle's insert … select requires.
    return this.db
      .insert(messages)
      .select(
        sql`select ${message.id}, ${conversationId}, ${nextSequence}, ${message.role}, ${message.content}, ${message.status},
          ${message.model ?? null}, ${message.finishReason ?? null}, ${message.inputTokens ?? null}, ${message.outputTokens ?? null},
          ${message.errorCode ?? null}, ${message.latencyMs ?? null}, ${message.timeToFirstTokenMs ?? null},
          ${message.createdAt}, ${message.completedAt ?? null}, ${message.costUsd ?? null}
        where ${condition}`,
      )
      .onConflictDoNothing({ target: messages.id });
  }
}
