import { and, count, eq, gt, lt, lte, or, sql } from 'drizzle-orm';
import type { Database } from './database.ts';
import { limitCounters, streamLeases } from './usage-schema.ts';

/** A limit that does not apply is this large: the SQL stays one shape. */
const unlimited = Number.MAX_SAFE_INTEGER;

export interface AdmissionRequest {
  caller: string;
  /** ISO minute of the request window (`2026-12-01T10:05`) and ISO day of the token budget. */
  minute: string;
  day: string;
  nowMs: number;
  requestsPerMinute: number | undefined;
  tokensPerDay: number | undefined;
  /** For a streaming call: the lease to take, its limit and when it expires by itself. */
  stream: { leaseId: string; limit: number | undefined; expiresAt: number } | undefined;
}

export interface AdmissionState {
  admitted: boolean;
  /** Calls counted in this minute (this one included when admitted). */
  requests: number;
  /** Tokens used today. */
  tokens: number;
  /** Streams in progress (this one included when admitted). */
  streams: number;
}

/**
 * The shared state of the rate limits, in the database every process and Worker isolate uses: one
 * batch per admitted call (one IMMEDIATE transaction on libSQL, an atomic batch on D1), whose inserts
 * only happen when every limit still has room, so concurrent callers can never pass a limit and a
 * refused call counts nothing.
 */
export class LimitStore {
  private readonly database: Database;

  constructor(database: Database) {
    this.database = database;
  }

  async admit(request: AdmissionRequest): Promise<AdmissionState> {
    const db = this.database.drizzle;
    const { caller, minute, day, nowMs, stream } = request;
    const requestsLimit = request.requestsPerMinute ?? unlimited;
    const tokensLimit = request.tokensPerDay ?? unlimited;
    const counter = (kind: 'requests' | 'tokens', window: string) =>
      sql`coalesce((select ${limitCounters.count} from ${limitCounters} where ${limitCounters.caller} = ${caller} and ${limitCounters.kind} = ${kind} and ${limitCounters.windowStart} = ${window}), 0)`;
    const activeStreams = sql`(select count(*) from ${streamLeases} where ${streamLeases.caller} = ${caller} and ${streamLeases.expiresAt} > ${nowMs})`;
    const roomForCall = sql`${counter('requests', minute)} < ${requestsLimit} and ${counter('tokens', day)} < ${tokensLimit}`;
    const admittedCondition =
      stream === undefined
        ? roomForCall
        : sql`exists (select 1 from ${streamLeases} where ${streamLeases.id} = ${stream.leaseId})`;

    const cleanup = db
      .delete(limitCounters)
      .where(
        and(
          eq(limitCounters.caller, caller),
          or(
            and(eq(limitCounters.kind, 'requests'), lt(limitCounters.windowStart, minute)),
            and(eq(limitCounters.kind, 'tokens'), lt(limitCounters.windowStart, day)),
          ),
        ),
      );
    const takeLease =
      stream === undefined
        ? undefined
        : db
            .insert(streamLeases)
            .select(
              sql`select ${stream.leaseId}, ${caller}, ${stream.expiresAt}
                where ${activeStreams} < ${stream.limit ?? unlimited} and ${roomForCall}`,
            )
            .onConflictDoNothing();
    const countCall = db
      .insert(limitCounters)
      .select(sql`select ${caller}, 'requests', ${minute}, 1 where ${admittedCondition}`)
      .onConflictDoUpdate({
        target: [limitCounters.caller, limitCounters.kind, limitCounters.windowStart],
        set: { count: sql`${limitCounters.count} + 1` },
      })
      .returning({ count: limitCounters.count });
    const readCounter = (kind: 'requests' | 'tokens', window: string) =>
      db
        .select({ count: limitCounters.count })
        .from(limitCounters)
        .where(and(eq(limitCounters.caller, caller), eq(limitCounters.kind, kind), eq(limitCounters.windowStart, window)));
    const readStreams = db
      .select({ count: count() })
      .from(streamLeases)
      .where(and(eq(streamLeases.caller, caller), gt(streamLeases.expiresAt, nowMs)));
    const expired = db.delete(streamLeases).where(and(eq(streamLeases.caller, caller), lte(streamLeases.expiresAt, nowMs)));

    const results = await (takeLease === undefined
      ? db.batch([cleanup, countCall, readCounter('requests', minute), readCounter('tokens', day), readStreams])
      : db.batch([
          cleanup,
          expired,
          takeLease,
          countCall,
          readCounter('requests', minute),
          readCounter('tokens', day),
          readStreams,
        ]));
    const [counted, requests, tokens, streams] = results.slice(-4) as [
      { count: number }[],
      { count: number }[],
      { count: number }[],
      { count: number }[],
    ];
    return {
      admitted: counted.length > 0,
      requests: requests[0]?.count ?? 0,
      tokens: tokens[0]?.count ?? 0,
      streams: streams[0]?.count ?? 0,
    };
  }

  /** After the call: its stream slot is free again, and its tokens count against today's budget. */
  async settle(caller: string, day: string, leaseId: string | undefined, tokens: number): Promise<void> {
    const db = this.database.drizzle;
    const addTokens = db
      .insert(limitCounters)
      .values({ caller, kind: 'tokens', windowStart: day, count: tokens })
      .onConflictDoUpdate({
        target: [limitCounters.caller, limitCounters.kind, limitCounters.windowStart],
        set: { count: sql`${limitCounters.count} + ${tokens}` },
      });
    const release = leaseId === undefined ? undefined : db.delete(streamLeases).where(eq(streamLeases.id, leaseId));
    if (release && tokens > 0) await db.batch([release, addTokens]);
    else if (release) await release;
    else if (tokens > 0) await addTokens;
  }

  /** A call that was admitted but never reached a model (its conversation was busy, its answer replayed): it counts nothing. */
  async refund(caller: string, minute: string, leaseId: string | undefined): Promise<void> {
    const db = this.database.drizzle;
    const uncount = db
      .update(limitCounters)
      .set({ count: sql`max(${limitCounters.count} - 1, 0)` })
      .where(and(eq(limitCounters.caller, caller), eq(limitCounters.kind, 'requests'), eq(limitCounters.windowStart, minute)));
    if (leaseId === undefined) await uncount;
    else await db.batch([uncount, db.delete(streamLeases).where(eq(streamLeases.id, leaseId))]);
  }
}
