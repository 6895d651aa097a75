import { sql, type SQL } from 'drizzle-orm';
import { afterThisTurn } from '../runtime/after-this-turn.ts';
import type { Database } from './database.ts';
import { usage, usageDaily, type UsageRow } from './usage-schema.ts';

/** A usage row as the ledger writes it (every column; NULL for what is unknown). */
export type UsageRecord = { [Field in keyof UsageRow]: UsageRow[Field] };

/** The ledger's columns and the row fields they take, in the insert's order. */
export const recordColumns: [string, keyof UsageRecord][] = [
  ['id', 'id'],
  ['created_at', 'createdAt'],
  ['route', 'route'],
  ['kind', 'kind'],
  ['user_id', 'userId'],
  ['key_id', 'keyId'],
  ['requested_model', 'requestedModel'],
  ['provider', 'provider'],
  ['model', 'model'],
  ['outcome', 'outcome'],
  ['error_code', 'errorCode'],
  ['input_tokens', 'inputTokens'],
  ['output_tokens', 'outputTokens'],
  ['cost_usd', 'costUsd'],
  ['latency_ms', 'latencyMs'],
  ['ttft_ms', 'ttftMs'],
  ['attempts', 'attempts'],
  ['request_id', 'requestId'],
  ['end_user', 'endUser'],
  ['conversation_id', 'conversationId'],
];

const rowPlaceholders = `(${recordColumns.map(() => '?').join(', ')})`;
/** The insert of `rows` usage rows in one statement: prepared once for a group, not once per row. */
const recordStatements = new Map<number, string>();
function recordStatementFor(rows: number): string {
  let statement = recordStatements.get(rows);
  if (statement === undefined) {
    statement = `insert into "usage" (${recordColumns.map(([column]) => `"${column}"`).join(', ')})
  values ${Array.from({ length: rows }, () => rowPlaceholders).join(', ')} on conflict ("id") do nothing`;
    recordStatements.set(rows, statement);
  }
  return statement;
}
const recordStatement = recordStatementFor(1);

export const usageGroupings = ['model', 'day', 'key', 'user'] as const;
export type UsageGrouping = (typeof usageGroupings)[number];

export interface UsageTotals {
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

export interface UsageReportRow extends UsageTotals {
  /** The model, day (YYYY-MM-DD), key id or user id; null for calls made without a key when grouped by key. */
  group: string | null;
}

export interface UsageQuery {
  /** Inclusive, ISO 8601 UTC. */
  from: string;
  /** Exclusive. */
  to: string;
  groupBy: UsageGrouping;
  /** Only this user's usage; undefined: everyone's (admins). */
  userId: string | undefined;
}

const dayMs = 86_400_000;
const startOfDay = (time: number) => Math.floor(time / dayMs) * dayMs;
const isoDay = (time: number) => new Date(time).toISOString().slice(0, 10);

/** The column each grouping sums by, in `usage` and in `usage_daily`. */
const rawGroup: Record<UsageGrouping, SQL> = {
  model: sql`${usage.model}`,
  day: sql`substr(${usage.createdAt}, 1, 10)`,
  key: sql`${usage.keyId}`,
  user: sql`${usage.userId}`,
};
const dailyGroup: Record<UsageGrouping, SQL> = {
  model: sql`${usageDaily.model}`,
  day: sql`${usageDaily.day}`,
  key: sql`nullif(${usageDaily.keyId}, '')`,
  user: sql`${usageDaily.userId}`,
};

/** Most rows one grouped write holds (50 × 20 columns stays far below SQLite's 32,766 parameters). */
const rowsPerWrite = 50;

interface PendingRow {
  values: (string | number | null)[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Writes the usage ledger and reads reports from it. */
export class UsageStore {
  private readonly database: Database;
  private pending: PendingRow[] = [];
  private writeScheduled = false;

  constructor(database: Database) {
    this.database = database;
  }

  /**
   * Records one generation; keyed by its id, so a retried write stores it once (the daily sum follows by
   * trigger). Raw SQL: it runs once per generation, and drizzle's insert builder cost ~250 µs of CPU.
   * Where the database allows it (libSQL), the rows of generations that settle in the same turn of the
   * event loop go in one statement when the turn ends, and each call resolves once its row is
   * committed (one transaction per row was ~20 % of the CPU of /api/generate). When a grouped write
   * fails, its rows are written again one by one, so only a row that cannot be stored fails (and the
   * caller's retry, keyed by the id, stores none twice).
   */
  async record(row: UsageRecord): Promise<void> {
    const values = recordColumns.map(([, field]) => row[field] ?? null);
    if (this.database.groupsConcurrentWrites !== true) {
      await this.database.rawBatch([{ sql: recordStatement, args: values }]);
      return;
    }
    await new Promise<void>((resolve, reject) => {
      this.pending.push({ values, resolve, reject });
      this.scheduleWrite();
    });
  }

  private scheduleWrite(): void {
    if (this.writeScheduled) return;
    this.writeScheduled = true;
    afterThisTurn(() => {
      this.writeScheduled = false;
      void this.writePending();
    });
  }

  private async writePending(): Promise<void> {
    const group = this.pending.splice(0, rowsPerWrite);
    if (this.pending.length > 0) this.scheduleWrite();
    if (group.length === 0) return;
    try {
      await this.database.rawBatch([{ sql: recordStatementFor(group.length), args: group.flatMap(({ values }) => values) }]);
      for (const row of group) row.resolve();
    } catch (error) {
      const [only] = group;
      if (group.length === 1 && only) {
        only.reject(error);
        return;
      }
      // One row that cannot be stored must not take the others with it: each is written alone.
      for (const row of group) {
        await this.database.rawBatch([{ sql: recordStatement, args: row.values }]).then(row.resolve, row.reject);
      }
    }
  }

  /**
   * Sums over [from, to): whole UTC days from `usage_daily`, the partial days at either edge from `usage`
   * (by its created_at indexes), so a month over a million generations reads some thousand rows.
   */
  async report(query: UsageQuery): Promise<{ rows: UsageReportRow[]; totals: UsageTotals }> {
    const from = Date.parse(query.from);
    const to = Date.parse(query.to);
    const firstWholeDay = from === startOfDay(from) ? from : startOfDay(from) + dayMs;
    const endOfWholeDays = startOfDay(to);
    const parts: SQL[] = [];
    const rawPart = (start: number, end: number) => {
      const owner = query.userId === undefined ? sql`` : sql` and ${usage.userId} = ${query.userId}`;
      parts.push(sql`select ${rawGroup[query.groupBy]} as grp, count(*) as requests, coalesce(sum(${usage.inputTokens}), 0) as input_tokens,
        coalesce(sum(${usage.outputTokens}), 0) as output_tokens, coalesce(sum(${usage.costUsd}), 0) as cost_usd
        from ${usage} where ${usage.createdAt} >= ${new Date(start).toISOString()} and ${usage.createdAt} < ${new Date(end).toISOString()}${owner}
        group by grp`);
    };
    if (firstWholeDay >= endOfWholeDays) {
      rawPart(from, to);
    } else {
      if (from < firstWholeDay) rawPart(from, firstWholeDay);
      const owner = query.userId === undefined ? sql`` : sql` and ${usageDaily.userId} = ${query.userId}`;
      parts.push(sql`select ${dailyGroup[query.groupBy]} as grp, sum(${usageDaily.requests}) as requests, sum(${usageDaily.inputTokens}) as input_tokens,
        sum(${usageDaily.outputTokens}) as output_tokens, sum(${usageDaily.costUsd}) as cost_usd
        from ${usageDaily} where ${usageDaily.day} >= ${isoDay(firstWholeDay)} and ${usageDaily.day} < ${isoDay(endOfWholeDays)}${owner}
        group by grp`);
      if (endOfWholeDays < to) rawPart(endOfWholeDays, to);
    }
    const union = sql.join(parts, sql` union all `);
    const rows = await this.database.drizzle.all<{
      grp: string | null;
      requests: number;
      input_tokens: number;
      output_tokens: number;
      cost_usd: number;
    }>(sql`select grp, sum(requests) as requests, sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens,
      sum(cost_usd) as cost_usd from (${union}) group by grp order by requests desc, grp`);
    const report = rows.map((row) => ({
      group: row.grp,
      requests: row.requests,
      input_tokens: row.input_tokens,
      output_tokens: row.output_tokens,
      cost_usd: roundCost(row.cost_usd),
    }));
    const totals = report.reduce(
      (sum, row) => ({
        requests: sum.requests + row.requests,
        input_tokens: sum.input_tokens + row.input_tokens,
        output_tokens: sum.output_tokens + row.output_tokens,
        cost_usd: sum.cost_usd + row.cost_usd,
      }),
      { requests: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0 },
    );
    return { rows: report, totals: { ...totals, cost_usd: roundCost(totals.cost_usd) } };
  }
}

/** Costs are summed in floating point; rounded to a billionth of a dollar so sums read the same however they were added. */
const roundCost = (value: number) => Math.round(value * 1e9) / 1e9;
