import { createClient, type Client, type InStatement, type TransactionMode } from '@libsql/client';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import type { Database, DrizzleDatabase, RawRow } from './database.ts';
import { cacheLibsqlStatements, forgetCachedStatements } from './libsql-statement-cache.ts';
import { groupWritesPerTurn } from './libsql-write-groups.ts';
import { schema } from './schema.ts';

const noop = () => undefined;

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
  if (options.url.startsWith('file:')) {
    await ensureParentDirectory(options.url);
    cacheLibsqlStatements();
  }
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
  const file = options.url.startsWith('file:');
  // Per connection (journal_mode is the file's own, set once below).
  const configureConnection = async (execute: Client['execute']) => {
    await execute('PRAGMA foreign_keys = ON');
    // NORMAL sync is durable across app crashes.
    if (file) await execute('PRAGMA synchronous = NORMAL');
  };
  useImmediateBatches(client);
  await configureConnection(client.execute.bind(client));
  // WAL lets readers run beside the single writer.
  if (file) await client.execute('PRAGMA journal_mode = WAL');
  if (file && !options.url.includes(':memory:')) replaceConnectionAfterBusy(client, configureConnection);
  // Outermost: a shared transaction goes through the busy handling above as one batch.
  if (file) groupWritesPerTurn(client, isBusy);
  const database = drizzle(client, { schema }) as unknown as DrizzleDatabase;
  return {
    drizzle: database,
    groupsConcurrentWrites: true,
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

/** SQLITE_BUSY and its extended codes (SQLITE_BUSY_SNAPSHOT…), however the client wraps them. */
function isBusy(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  return code.startsWith('SQLITE_BUSY') || (error instanceof Error && error.cause !== undefined && isBusy(error.cause));
}

/**
 * On a file database, a statement that failed with SQLITE_BUSY is never reset by the native binding:
 * it stays "in progress" on its connection, and every later COMMIT there fails with "SQL statements
 * in progress" although the lock is free, so one busy moment (another process writing, a backup, a
 * checkpoint) would fail every write after it (libsql-client-ts#352, libsql-js#237). After a busy
 * failure the client's connection is replaced (reopened on the same path, its settings applied again)
 * before the error goes on to the caller, whose retry then runs on a fresh connection. Calls run one
 * at a time, which costs nothing here (each is one synchronous native call) and means no other call
 * holds a connection while it is replaced. Not for `:memory:`, which lives in its connection.
 */
function replaceConnectionAfterBusy(client: Client, configure: (execute: Client['execute']) => Promise<void>): void {
  const execute = client.execute.bind(client);
  let previous: Promise<unknown> = Promise.resolve();
  const oneAtATime =
    <Arguments extends unknown[], Result>(work: (...values: Arguments) => Promise<Result>) =>
    (...values: Arguments): Promise<Result> => {
      const call = previous.then(async () => {
        try {
          return await work(...values);
        } catch (error) {
          if (isBusy(error)) {
            client.reconnect();
            // Best effort: the caller's retry meets the same busy file if this fails.
            await configure(execute).catch(noop);
          }
          throw error;
        }
      });
      previous = call.catch(noop);
      return call;
    };
  client.batch = oneAtATime(client.batch.bind(client));
  const healedExecute: Client['execute'] = oneAtATime(execute);
  client.execute = healedExecute;
}

export async function migrateLibsqlDatabase(database: Database, migrationsFolder: string): Promise<void> {
  await migrate(database.drizzle as never, { migrationsFolder });
  forgetCachedStatements();
}

async function ensureParentDirectory(url: string): Promise<void> {
  const path = url.slice('file:'.length);
  const slash = path.lastIndexOf('/');
  if (slash <= 0) return;
  const { mkdir } = await import('node:fs/promises');
  await mkdir(path.slice(0, slash), { recursive: true });
}
