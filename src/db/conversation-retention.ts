import { sql } from 'drizzle-orm';
import type { DrizzleDatabase } from './database.ts';
import { conversations } from './schema.ts';

export interface Retention {
  ownerId: string;
  /** The conversation just made: never deleted. */
  keptId: string;
  /** Now, in epoch ms: a generation lock that expired before it holds nothing. */
  nowMs: number;
  /** HISTORY_MAX_CONVERSATIONS. */
  maxConversations: number;
}

/**
 * HISTORY_MAX_CONVERSATIONS (API.md): deletes the owner's least recently updated conversations beyond
 * the limit, with their messages (ON DELETE CASCADE), never the one just made nor one a running
 * generation holds (its lock). It goes in the batch that made the new conversation, after its insert,
 * and reads no more than it deletes: the trigger-kept count (migration 0002) gives the excess, so below
 * the limit it reads one row, and the (owner_id, updated_at, id) index gives the oldest in order; no
 * request scans the table (test/unit/conversation-retention-plan.test.ts checks the query plan).
 */
export function pruneBeyondLimit(db: DrizzleDatabase, retention: Retention) {
  const { ownerId, keptId, nowMs, maxConversations } = retention;
  // Written out: drizzle's column names would be ambiguous between the statement and its subqueries.
  // The excess is 0 unless the new conversation was made (a negative limit would be none in SQLite); every condition sits in
  // the subquery, so the outer delete looks rows up by primary key (one on the outside scans the table).
  return db.delete(conversations).where(
    sql`"id" in (
        select "id" from "conversations"
        where "owner_id" = ${ownerId} and "id" <> ${keptId}
          and ("active_generation_id" is null or "active_generation_expires_at" < ${nowMs})
        order by "updated_at", "id"
        limit coalesce((
          select max(0, "conversation_count" - ${maxConversations}) from "conversation_counts"
          where "owner_id" = ${ownerId} and exists (select 1 from "conversations" as "kept" where "kept"."id" = ${keptId})
        ), 0)
      )`,
  );
}
