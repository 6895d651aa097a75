import type { BatchItem, BatchResponse } from 'drizzle-orm/batch';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type { schema } from './schema.ts';

/** The Drizzle database every query module uses: libSQL on Node/Bun/Deno, D1 on Workers. */
export type DrizzleDatabase = BaseSQLiteDatabase<'async', unknown, typeof schema> & {
  batch<U extends BatchItem<'sqlite'>, T extends Readonly<[U, ...U[]]>>(batch: T): Promise<BatchResponse<T>>;
};

/** One SQL statement with its positional arguments (`?`). */
export interface RawStatement {
  sql: string;
  args: (string | number | null)[];
}

export type RawRow = Record<string, string | number | null>;

export interface Database {
  drizzle: DrizzleDatabase;
  /**
   * Statements run together in one write transaction (an IMMEDIATE batch on libSQL, an atomic batch on
   * D1), with each one's rows. For the few hot statements whose query building through drizzle cost more
   * than running them (the limits on every admitted call).
   */
  rawBatch(statements: RawStatement[]): Promise<RawRow[][]>;
  /**
   * Whether the writes of concurrent requests may share one transaction: true for libSQL, whose one
   * client this process owns; unset on D1, where each Worker request is its own I/O context.
   */
  groupsConcurrentWrites?: boolean;
  /** A cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): void;
}
