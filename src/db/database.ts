import type { BatchItem, BatchResponse } from 'drizzle-orm/batch';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type { schema } from './schema.ts';

/** The Drizzle database every query module uses: libSQL on Node/Bun/Deno, D1 on Workers. */
export type DrizzleDatabase = BaseSQLiteDatabase<'async', unknown, typeof schema> & {
  batch<U extends BatchItem<'sqlite'>, T extends Readonly<[U, ...U[]]>>(batch: T): Promise<BatchResponse<T>>;
};

export interface Database {
  drizzle: DrizzleDatabase;
  /** A cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): void;
}
