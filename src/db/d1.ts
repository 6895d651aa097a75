import { sql } from 'drizzle-orm';
import { drizzle, type AnyD1Database } from 'drizzle-orm/d1';
import type { Database, DrizzleDatabase, RawRow } from './database.ts';
import { schema } from './schema.ts';

/** The part of the D1 binding's API the raw batch uses (the binding's own types are workerd's). */
interface D1Statements {
  prepare(sql: string): { bind(...values: unknown[]): unknown };
  batch(statements: unknown[]): Promise<{ results?: unknown[] }[]>;
}

/** Cloudflare D1 (Workers binding). Writes that go together use db.batch: D1 has no interactive transactions. */
export function createD1Database(binding: AnyD1Database): Database {
  const database = drizzle(binding, { schema }) as unknown as DrizzleDatabase;
  return {
    drizzle: database,
    rawBatch: async (statements) => {
      const d1 = binding as unknown as D1Statements;
      const results = await d1.batch(statements.map((statement) => d1.prepare(statement.sql).bind(...statement.args)));
      return results.map((result) => (result.results ?? []) as RawRow[]);
    },
    ping: async () => {
      await database.run(sql`select 1`);
    },
    close: () => {
      // The binding belongs to the runtime.
    },
  };
}
