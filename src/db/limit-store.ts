import type { Database, RawStatement } from './database.ts';

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
  /** Tokens used today; read only when a budget applies or the call was refused. */
  tokens: number;
  /** Streams in progress; read only when the call was refused. */
  streams: number;
}

/** The count of a caller's current window, 0 when its row belongs to an older one. */
const windowCount = `coalesce((select "count" from "limit_counters" where "caller" = ? and "kind" = ? and "window_start" = ?), 0)`;
const activeStreams = `(select count(*) from "stream_leases" where "caller" = ? and "expires_at" > ?)`;

/**
 * The shared state of the rate limits, in the database every process and Worker isolate uses: one
 * batch per admitted call (one IMMEDIATE transaction on libSQL, an atomic batch on D1) whose writes only
 * happen while every limit still has room, so concurrent callers never pass a limit and a refused call
 * counts nothing. A caller has one row per kind whose count starts again with each window, so nothing
 * needs cleaning up. Raw SQL (Database.rawBatch): drizzle's query building cost more than the statements
 * (~1 ms of CPU per call for the batch on Node), and this runs on every admitted call.
 */
export class LimitStore {
  private readonly database: Database;

  constructor(database: Database) {
    this.database = database;
  }

  async admit(request: AdmissionRequest): Promise<AdmissionState> {
    const { caller, minute, day, nowMs, stream } = request;
    const requestsLimit = request.requestsPerMinute ?? unlimited;
    const tokensLimit = request.tokensPerDay ?? unlimited;
    const roomForCall = {
      sql: `${windowCount} < ? and ${windowCount} < ?`,
      args: [caller, 'requests', minute, requestsLimit, caller, 'tokens', day, tokensLimit],
    };
    const statements: RawStatement[] = [];
    if (stream !== undefined) {
      statements.push({
        sql: `insert into "stream_leases" ("id", "caller", "expires_at") select ?, ?, ? where ${activeStreams} < ? and ${roomForCall.sql}`,
        args: [stream.leaseId, caller, stream.expiresAt, caller, nowMs, stream.limit ?? unlimited, ...roomForCall.args],
      });
    }
    const admitted =
      stream === undefined
        ? roomForCall
        : { sql: `exists (select 1 from "stream_leases" where "id" = ?)`, args: [stream.leaseId] };
    statements.push({
      sql: `insert into "limit_counters" ("caller", "kind", "window_start", "count") select ?, 'requests', ?, 1 where ${admitted.sql}
        on conflict ("caller", "kind") do update set
          "count" = case when "window_start" = excluded."window_start" then "count" + 1 else 1 end,
          "window_start" = excluded."window_start"
        returning "count"`,
      args: [caller, minute, ...admitted.args],
    });
    const readTokens = request.tokensPerDay !== undefined;
    if (readTokens) statements.push({ sql: `select ${windowCount} as "count"`, args: [caller, 'tokens', day] });
    const results = await this.database.rawBatch(statements);
    const counted = results[stream === undefined ? 0 : 1]?.[0];
    const tokens = readTokens ? Number(results.at(-1)?.[0]?.['count'] ?? 0) : 0;
    if (counted !== undefined) return { admitted: true, requests: Number(counted['count']), tokens, streams: 0 };
    // Refused (rare): read which limit it was.
    const [state] = await this.database.rawBatch([
      {
        sql: `select ${windowCount} as "requests", ${windowCount} as "tokens", ${activeStreams} as "streams"`,
        args: [caller, 'requests', minute, caller, 'tokens', day, caller, nowMs],
      },
    ]);
    const row = state?.[0] ?? {};
    return {
      admitted: false,
      requests: Number(row['requests'] ?? 0),
      tokens: Number(row['tokens'] ?? 0),
      streams: Number(row['streams'] ?? 0),
    };
  }

  /** After the call: its stream slot is free again (and any lease of the caller that expired), and its tokens count against the day's budget. */
  async settle(caller: string, day: string, leaseId: string | undefined, tokens: number, nowMs: number): Promise<void> {
    const statements: RawStatement[] = [];
    if (leaseId !== undefined) {
      statements.push({
        sql: `delete from "stream_leases" where "id" = ? or ("caller" = ? and "expires_at" <= ?)`,
        args: [leaseId, caller, nowMs],
      });
    }
    if (tokens > 0) {
      statements.push({
        sql: `insert into "limit_counters" ("caller", "kind", "window_start", "count") values (?, 'tokens', ?, ?)
          on conflict ("caller", "kind") do update set
            "count" = case when "window_start" = excluded."window_start" then "count" + excluded."count" else excluded."count" end,
            "window_start" = excluded."window_start"`,
        args: [caller, day, tokens],
      });
    }
    if (statements.length > 0) await this.database.rawBatch(statements);
  }

  /** A call that was admitted but never reached a model (its conversation was busy, its answer replayed): it counts nothing. */
  async refund(caller: string, minute: string, leaseId: string | undefined): Promise<void> {
    const statements: RawStatement[] = [
      {
        sql: `update "limit_counters" set "count" = max("count" - 1, 0) where "caller" = ? and "kind" = 'requests' and "window_start" = ?`,
        args: [caller, minute],
      },
    ];
    if (leaseId !== undefined) statements.push({ sql: `delete from "stream_leases" where "id" = ?`, args: [leaseId] });
    await this.database.rawBatch(statements);
  }
}
