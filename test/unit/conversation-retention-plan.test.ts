/**
 * HISTORY_MAX_CONVERSATIONS without a table scan per request: SQLite's own query plan for the deletion
 * the store runs (the statement itself, from conversation-retention.ts) on a migrated libSQL file, and
 * what it deletes at scale.
 */
import { createClient, type Client, type InArgs } from '@libsql/client';
import { afterEach, describe, expect, it } from 'vitest';
import { pruneBeyondLimit } from '../../src/db/conversation-retention.ts';
import type { Database } from '../../src/db/database.ts';
import { openMigratedDatabase } from '../helpers/migrated-database.ts';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** The API's database on a migrated libSQL file, and a second client on the file for raw SQL. */
let client: Client;

async function openDatabase(): Promise<Database> {
  const { database, path, close } = await openMigratedDatabase();
  client = createClient({ url: `file:${path}` });
  cleanup = async () => {
    client.close();
    await close();
  };
  return database;
}

type Statement = ReturnType<typeof pruneBeyondLimit>;

async function queryPlan(statement: Statement): Promise<string[]> {
  const { sql, params } = statement.toSQL();
  const result = await client.execute({ sql: `explain query plan ${sql}`, args: params as InArgs });
  return result.rows.map((row) => (typeof row['detail'] === 'string' ? row['detail'] : ''));
}

/** `count` conversations of the owner, one message each, updated one second apart from 2020-01-01. */
async function seed(ownerId: string, count: number): Promise<void> {
  const statements = Array.from({ length: count }, (_, index) => {
    const at = new Date(Date.UTC(2020, 0, 1) + index * 1000).toISOString();
    return {
      sql: 'insert into conversations (id, owner_id, created_at, updated_at) values (?, ?, ?, ?)',
      args: [`${ownerId}-${String(index).padStart(5, '0')}`, ownerId, at, at],
    };
  });
  const messages = statements.map((statement) => ({
    sql: "insert into messages (id, conversation_id, sequence, role, content, status, created_at) values (?, ?, 1, 'user', 'Hi', 'complete', ?)",
    args: [`m-${String(statement.args[0])}`, statement.args[0] ?? '', statement.args[2] ?? ''],
  }));
  await client.batch([...statements, ...messages], 'write');
}

describe('the retention deletion', () => {
  /** The plan's steps: the statement's own tables are only ever searched through a key or an index. */
  function expectIndexedPlan(plan: string[]): void {
    const text = plan.join('\n');
    expect(text).toMatch(/SEARCH conversations USING INDEX conversations_owner_updated_idx \(owner_id=\?\)/);
    expect(text).toMatch(
      /SEARCH conversation_counts USING (COVERING )?INDEX sqlite_autoindex_conversation_counts_1 \(owner_id=\?\)/,
    );
    expect(text).toMatch(/SEARCH conversations USING (COVERING )?INDEX sqlite_autoindex_conversations_1 \(id=\?\)/);
    expect(text).not.toMatch(/USE TEMP B-TREE FOR ORDER BY/);
    for (const step of plan) expect(step).not.toMatch(/^SCAN (conversations|kept|conversation_counts|messages)\b/);
  }

  const statementFor = (database: Database, ownerId: string, keptId: string) =>
    pruneBeyondLimit(database.drizzle, { ownerId, keptId, nowMs: Date.now(), maxConversations: 10 });

  it('walks the (owner_id, updated_at, id) index and reads the count by key: no full scan of conversations', async () => {
    const database = await openDatabase();
    expectIndexedPlan(await queryPlan(statementFor(database, 'local', 'local-00049')));
  });

  it('keeps that plan once SQLite has statistics of a history with many owners (ANALYZE, PRAGMA optimize)', async () => {
    const database = await openDatabase();
    for (let owner = 0; owner < 40; owner += 1) await seed(`owner${String(owner)}`, 50);
    await client.execute('analyze');
    expectIndexedPlan(await queryPlan(statementFor(database, 'owner7', 'owner7-00049')));
  });

  it('deletes exactly the oldest beyond the limit, with their messages, and nothing of other owners', async () => {
    const database = await openDatabase();
    await seed('local', 2_000);
    await seed('other', 100);
    await pruneBeyondLimit(database.drizzle, {
      ownerId: 'local',
      keptId: 'local-01999',
      nowMs: Date.now(),
      maxConversations: 1_500,
    });
    const remaining = await client.execute(
      "select min(id) as oldest, count(*) as count from conversations where owner_id = 'local'",
    );
    expect({ ...remaining.rows[0] }).toEqual({ oldest: 'local-00500', count: 1_500 });
    const counts = await client.execute('select owner_id, conversation_count from conversation_counts order by owner_id');
    expect(counts.rows.map((row) => [row['owner_id'], row['conversation_count']])).toEqual([
      ['local', 1_500],
      ['other', 100],
    ]);
    const messages = await client.execute('select count(*) as count from messages');
    expect(messages.rows[0]?.['count']).toBe(1_600);
  });

  it('deletes nothing while the owner is at or below the limit, nor when the new conversation was not made', async () => {
    const database = await openDatabase();
    await seed('local', 10);
    const count = async () => (await client.execute('select count(*) as count from conversations')).rows[0]?.['count'];
    const prune = (ownerId: string, keptId: string, maxConversations: number) =>
      pruneBeyondLimit(database.drizzle, { ownerId, keptId, nowMs: Date.now(), maxConversations });
    await prune('local', 'local-00009', 10);
    expect(await count()).toBe(10);
    // Over the limit, but the insert it follows wrote nothing (a message id that was taken): nothing goes.
    await prune('local', 'not-made', 5);
    // An owner with no conversations has no count row.
    await prune('nobody', 'local-00009', 1);
    expect(await count()).toBe(10);
    await prune('local', 'local-00009', 5);
    expect(await count()).toBe(5);
  });
});
