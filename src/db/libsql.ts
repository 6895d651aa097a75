import { createClient, type Client, type InStatement, type TransactionMode } from '@libsql/client';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import type { Database, DrizzleDatabase, RawRow } from './database.ts';
import { schema } from './schema.ts';

export interface LibsqlOptions {
  url: string;
  authToken?: string | undefined;
  /** How long a write waits for a busy database file before failing. */
  busyTimeoutMs: number;
}

/**
 * Opens libSQL (embedded file, or Turso over the network). This module and the entries are the only
 * Node-flavoured code: the rest sees the runtime-neutral `Database`.
 */
export async function openLibsqlDatabase(options: LibsqlOptions): Promise<Database> {
  if (options.url.startsWith('file:')) await ensureParentDirectory(options.url);
  const client = createClient({
    url: options.url,
    ...(options.authToken === undefined ? {} : { authToken: options.authToken }),
    timeout: options.busyTimeoutMs,
    // One connection: the client's pool opens more under concurrent calls, and a new connection has
    // SQLite's defaults, not the settings below (synchronous=FULL instead of NORMAL: an fsync per
    // commit, 1.4 ms more CPU per call with the limits' writes at concurrency 16). Every statement runs
    // synchronously in this thread anyway, so more connections would not run anything in parallel.
    concurrency: 1,
  });
  useImmediateBatches(client);
  await client.execute('PRAGMA foreign_keys = ON');
  if (options.url.startsWith('file:')) {
    // WAL lets readers run beside the single writer; NORMAL sync is durable across app crashes.
    await client.execute('PRAGMA journal_mode = WAL');
    await client.execute('PRAGMA synchronous = NORMAL');
  }
  const database = drizzle(client, { schema }) as unknown as DrizzleDatabase;
  return {
    drizzle: database,
    rawBatch: async (statements) => {
      const results = await client.batch(statements, 'write');
      return results.map((result) => result.rows.map((row) => ({ ...row }) as RawRow));
    },
    ping: async () => {
      await database.run(sql`select 1`);
    },
    close: () => {
      client.close();
    },
  };
}

/**
 * Drizzle's `db.batch` is how writes that belong together stay atomic on both libSQL and D1.
 * libSQL runs a batch as a DEFERRED transaction by default, which fails with SQLITE_BUSY instead of
 * waiting when another connection writes; IMMEDIATE takes the write lock up front and honours the
 * busy timeout (RELIABILITY.md pitfall 5).
 */
function useImmediateBatches(client: Client): void {
  const batch = client.batch.bind(client);
  client.batch = (statements: InStatement[], mode: TransactionMode = 'write') => batch(statements, mode);
}

export async function migrateLibsqlDatabase(database: Database, migrationsFolder: string): Promise<void> {
  await migrate(database.drizzle as never, { migrationsFolder });
}

async function ensureParentDirectory(url: string): Promise<void> {
  const path = url.slice('file:'.length);
  const slash = path.lastIndexOf('/');
  if (slash <= 0) return;
  const { mkdir } = await import('node:fs/promises');
  await mkdir(path.slice(0, slash), { recursive: true });
}
