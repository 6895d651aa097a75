/**
 * Write batches submitted in the same turn of the event loop share one transaction on an embedded
 * libSQL file (src/db/libsql-write-groups.ts), with the semantics of batches run one after the other.
 * Driven through the API's database (openLibsqlDatabase) on a migrated file in a temp folder.
 */
import Libsql from 'libsql';
import { stat } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { openMigratedDatabase, type MigratedDatabase } from '../helpers/migrated-database.ts';

let opened: MigratedDatabase | undefined;
let other: InstanceType<typeof Libsql> | undefined;

afterEach(async () => {
  other?.close();
  other = undefined;
  await opened?.close();
  opened = undefined;
});

async function notesDatabase(busyTimeoutMs?: number): Promise<Database> {
  opened = await openMigratedDatabase(busyTimeoutMs);
  await opened.database.rawBatch([{ sql: 'create table notes (id integer primary key, body text not null)', args: [] }]);
  return opened.database;
}

const insert = (id: number, body: string) => ({
  sql: 'insert into notes (id, body) values (?, ?) returning id',
  args: [id, body],
});
const bodies = async (database: Database) =>
  (await database.rawBatch([{ sql: 'select id, body from notes order by id', args: [] }]))[0];

/** Frames the write-ahead log holds: each commit appends the pages it changed, so one commit per turn shows as fewer frames. */
async function walFrames(database: Database): Promise<number> {
  const [[setting]] = (await database.rawBatch([{ sql: 'pragma page_size', args: [] }])) as [[{ page_size: number }]];
  const { size } = await stat(`${opened!.path}-wal`);
  // A 32-byte header, then a 24-byte header before each page.
  return (size - 32) / (setting.page_size + 24);
}

describe('write batches of one turn', () => {
  it('are committed together: one commit for the batches of a turn, one each for batches of different turns', async () => {
    const database = await notesDatabase();
    const before = await walFrames(database);
    await Promise.all([1, 2, 3, 4, 5].map((id) => database.rawBatch([insert(id, 'same turn')])));
    const together = (await walFrames(database)) - before;
    for (const id of [6, 7, 8, 9, 10]) await database.rawBatch([insert(id, 'a turn each')]);
    const apart = (await walFrames(database)) - before - together;
    // Every row lands on the table's one leaf page: written once per commit.
    expect(together).toBe(1);
    expect(apart).toBe(5);
    expect(await bodies(database)).toHaveLength(10);
  });

  it('each get their own results, in the order they were submitted, and later ones see earlier ones', async () => {
    const database = await notesDatabase();
    const [first, second, third] = await Promise.all([
      database.rawBatch([insert(1, 'one'), insert(2, 'two')]),
      database.rawBatch([{ sql: 'select count(*) as notes from notes', args: [] }, insert(3, 'three')]),
      database.rawBatch([{ sql: "update notes set body = body || '!' where id <= ? returning id", args: [3] }]),
    ]);
    expect(first).toEqual([[{ id: 1 }], [{ id: 2 }]]);
    expect(second).toEqual([[{ notes: 2 }], [{ id: 3 }]]);
    expect(third).toEqual([[{ id: 1 }, { id: 2 }, { id: 3 }]]);
    expect(await bodies(database)).toEqual([
      { id: 1, body: 'one!' },
      { id: 2, body: 'two!' },
      { id: 3, body: 'three!' },
    ]);
  });

  it('fail only where a batch fails by itself: its statements are undone, the others are stored', async () => {
    const database = await notesDatabase();
    await database.rawBatch([insert(1, 'one')]);
    const results = await Promise.allSettled([
      database.rawBatch([insert(2, 'two')]),
      // The second statement breaks the primary key: the whole batch, its first statement too, is undone.
      database.rawBatch([insert(3, 'three'), insert(1, 'duplicate')]),
      database.rawBatch([insert(4, 'four')]),
    ]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: [[{ id: 2 }]] });
    expect(results[1].status).toBe('rejected');
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(results[2]).toEqual({ status: 'fulfilled', value: [[{ id: 4 }]] });
    expect(await bodies(database)).toEqual([
      { id: 1, body: 'one' },
      { id: 2, body: 'two' },
      { id: 4, body: 'four' },
    ]);
  });

  it('fail together with the busy error when another connection holds the write lock, and writes work once it is free', async () => {
    const database = await notesDatabase(100);
    other = new Libsql(opened!.path);
    other.exec('begin immediate');
    const results = await Promise.allSettled([database.rawBatch([insert(1, 'one')]), database.rawBatch([insert(2, 'two')])]);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect(String((result as PromiseRejectedResult).reason)).toMatch(/SQLITE_BUSY|database is locked/);
    }
    other.exec('rollback');
    expect(await database.rawBatch([insert(3, 'three')])).toEqual([[{ id: 3 }]]);
    expect(await bodies(database)).toEqual([{ id: 3, body: 'three' }]);
  });

  it('of more than 200 statements in all are split over transactions, and every one is stored', async () => {
    const database = await notesDatabase();
    const batches = Array.from({ length: 30 }, (_, batch) =>
      database.rawBatch(Array.from({ length: 10 }, (_, index) => insert(batch * 10 + index + 1, `note ${String(batch)}`))),
    );
    const results = await Promise.all(batches);
    expect(results.flat(2)).toEqual(Array.from({ length: 300 }, (_, index) => ({ id: index + 1 })));
    expect(await bodies(database)).toHaveLength(300);
  });
});
