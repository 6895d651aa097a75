/**
 * The embedded libSQL binding prepares each SQL text once per connection (src/db/libsql-statement-cache.ts).
 * Driven through the real binding and the real client on a file in a temp folder.
 */
import { createClient, type Client } from '@libsql/client';
import Libsql from 'libsql';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheLibsqlStatements, forgetCachedStatements } from '../../src/db/libsql-statement-cache.ts';

let directory: string;
let path: string;
const opened: { close(): void }[] = [];

beforeEach(async () => {
  cacheLibsqlStatements();
  directory = await mkdtemp(join(tmpdir(), 'edge-llm-statements-'));
  path = join(directory, 'cache.db');
});

afterEach(async () => {
  for (const connection of opened.splice(0)) connection.close();
  await rm(directory, { recursive: true, force: true });
});

function connection(): InstanceType<typeof Libsql> {
  const database = new Libsql(path);
  opened.push(database);
  return database;
}

function client(): Client {
  const created = createClient({ url: `file:${path}`, concurrency: 1 });
  opened.push(created);
  return created;
}

describe('the libSQL statement cache', () => {
  it('gives one connection the same prepared statement for the same SQL, and another connection its own', () => {
    const first = connection();
    const second = connection();
    first.exec('create table notes (id integer primary key, body text)');
    const statement = first.prepare('select body from notes where id = ?');
    expect(first.prepare('select body from notes where id = ?')).toBe(statement);
    expect(first.prepare('select id from notes')).not.toBe(statement);
    expect(second.prepare('select body from notes where id = ?')).not.toBe(statement);
  });

  it('reuses a statement with new arguments and returns the rows of each run', () => {
    const database = connection();
    database.exec('create table notes (id integer primary key, body text)');
    const insert = 'insert into notes (id, body) values (?, ?)';
    for (const [id, body] of [
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
    ] as const)
      database.prepare(insert).run(id, body);
    const select = 'select body from notes where id >= ? order by id';
    expect(database.prepare(select).all(2)).toEqual([{ body: 'two' }, { body: 'three' }]);
    expect(database.prepare(select).all(3)).toEqual([{ body: 'three' }]);
  });

  it('answers raw mode on a statement that returns no rows with an error, as the binding does, and keeps raw mode for readers', () => {
    const database = connection();
    database.exec('create table notes (id integer primary key, body text)');
    const insert = database.prepare('insert into notes (id, body) values (?, ?)');
    expect(() => insert.raw(true)).toThrow(TypeError);
    expect(() => insert.raw(true)).toThrow(TypeError);
    insert.run(1, 'one');
    expect(database.prepare('select id, body from notes').raw(true).all()).toEqual([[1, 'one']]);
  });

  it('drops a statement that failed, and the connection commits afterwards', () => {
    const database = connection();
    database.exec('create table notes (id integer primary key, body text not null)');
    const sql = 'insert into notes (id, body) values (?, ?)';
    const statement = database.prepare(sql);
    statement.run(1, 'one');
    database.exec('begin immediate');
    expect(() => database.prepare(sql).run(1, 'again')).toThrow(/UNIQUE/);
    const fresh = database.prepare(sql);
    expect(fresh).not.toBe(statement);
    fresh.run(2, 'two');
    database.exec('commit');
    expect(database.prepare('select id from notes order by id').all()).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('keeps at most 256 statements per connection, dropping the least recently used first', () => {
    const database = connection();
    const first = database.prepare('select 0');
    const second = database.prepare('select 1');
    for (let index = 2; index < 256; index += 1) database.prepare(`select ${String(index)}`);
    // Used again: now the most recent, so `select 1` is the least recently used one.
    expect(database.prepare('select 0')).toBe(first);
    database.prepare('select 256');
    expect(database.prepare('select 0')).toBe(first);
    expect(database.prepare('select 1')).not.toBe(second);
  });

  it('goes on answering statements that name their columns after a column is added, and sees the new column once told the schema changed', async () => {
    const libsql = client();
    await libsql.execute('create table notes (id integer primary key, body text)');
    await libsql.execute({ sql: 'insert into notes (id, body) values (?, ?)', args: [1, 'one'] });
    const named = 'select id, body from notes where id = ?';
    expect((await libsql.execute('select * from notes')).columns).toEqual(['id', 'body']);
    expect((await libsql.execute({ sql: named, args: [1] })).rows.map((row) => ({ ...row }))).toEqual([{ id: 1, body: 'one' }]);
    await libsql.execute("alter table notes add column tag text not null default 'none'");
    await libsql.execute({ sql: 'insert into notes (id, body, tag) values (?, ?, ?)', args: [2, 'two', 'new'] });
    expect((await libsql.execute({ sql: named, args: [2] })).rows.map((row) => ({ ...row }))).toEqual([{ id: 2, body: 'two' }]);
    forgetCachedStatements();
    const after = await libsql.execute('select * from notes order by id');
    expect(after.columns).toEqual(['id', 'body', 'tag']);
    expect(after.rows.map((row) => ({ ...row }))).toEqual([
      { id: 1, body: 'one', tag: 'none' },
      { id: 2, body: 'two', tag: 'new' },
    ]);
  });

  it('leaves the client able to write after a batch failed on a constraint, and its results are those of each run', async () => {
    const libsql = client();
    await libsql.execute('create table notes (id integer primary key, body text)');
    const insert = 'insert into notes (id, body) values (?, ?) returning id';
    const [first] = await libsql.batch([{ sql: insert, args: [1, 'one'] }], 'write');
    expect(first?.rows.map((row) => row['id'])).toEqual([1]);
    await expect(
      libsql.batch(
        [
          { sql: insert, args: [2, 'two'] },
          { sql: insert, args: [1, 'duplicate'] },
        ],
        'write',
      ),
    ).rejects.toThrow(/UNIQUE/);
    const [third] = await libsql.batch([{ sql: insert, args: [3, 'three'] }], 'write');
    expect(third?.rows.map((row) => row['id'])).toEqual([3]);
    const update = await libsql.execute({ sql: 'update notes set body = ? where id >= ?', args: ['changed', 1] });
    expect(update.rowsAffected).toBe(2);
    const rows = await libsql.execute('select id, body from notes order by id');
    expect(rows.rows.map((row) => ({ ...row }))).toEqual([
      { id: 1, body: 'changed' },
      { id: 3, body: 'changed' },
    ]);
  });
});
