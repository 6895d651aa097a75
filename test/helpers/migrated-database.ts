/**
 * The API's database on a fresh libSQL file in a temp folder, migrated as the server migrates it on
 * start, for tests that drive the stores directly. `close` closes it and removes the folder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../../src/db/database.ts';
import { migrateLibsqlDatabase, openLibsqlDatabase } from '../../src/db/libsql.ts';
import { migrationsFolder } from '../../src/entry/libsql-dependencies.ts';

export interface MigratedDatabase {
  database: Database;
  /** The database file's path, for a second client on the same file. */
  path: string;
  close: () => Promise<void>;
}

export async function openMigratedDatabase(busyTimeoutMs = 5000): Promise<MigratedDatabase> {
  const directory = await mkdtemp(join(tmpdir(), 'edge-llm-database-'));
  const path = join(directory, 'app.db');
  const database = await openLibsqlDatabase({ url: `file:${path}`, busyTimeoutMs });
  try {
    await migrateLibsqlDatabase(database, migrationsFolder);
  } catch (error) {
    database.close();
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  return {
    database,
    path,
    close: async () => {
      database.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
