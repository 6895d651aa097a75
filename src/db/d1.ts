import { sql } from 'drizzle-orm';
import { drizzle, type AnyD1Database } from 'drizzle-orm/d1';
import type { Database, DrizzleDatabase } from './database.ts';
import { schema } from './schema.ts';

/** Cloudflare D1 (Workers binding). Writes that go together use db.batch: D1 has no interactive transactions. */
export function createD1Database(binding: AnyD1Database): Database {
  const database = drizzle(binding, { schema }) as unknown as DrizzleDatabase;
  return {
    drizzle: database,
    ping: async () => {
      await database.run(sql`select 1`);
    },
    close: () => {
      // The binding belongs to the runtime.
    },
  };
}
