/**
 * The usage ledger on libSQL writes the rows of generations that settle together in one transaction
 * (src/db/usage-store.ts): every row is stored once, a row that cannot be stored fails alone, and a
 * database that does not group writes (D1) gets one write per row. Real libSQL file; the database
 * dependency is wrapped to count its write transactions.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Database, RawStatement } from '../../src/db/database.ts';
import { recordColumns, UsageStore, type UsageRecord } from '../../src/db/usage-store.ts';
import { openMigratedDatabase } from '../helpers/migrated-database.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A migrated libSQL file, seen through a wrapper that records each write transaction's statement count. */
async function countedDatabase(groupsConcurrentWrites: boolean | undefined) {
  const { database, close } = await openMigratedDatabase(1000);
  cleanups.push(close);
  /** Per write transaction: the usage rows of each of its statements. */
  const transactions: number[][] = [];
  const counted: Database = {
    drizzle: database.drizzle,
    ping: () => database.ping(),
    close: () => database.close(),
    ...(groupsConcurrentWrites === undefined ? {} : { groupsConcurrentWrites }),
    rawBatch: (statements: RawStatement[]) => {
      transactions.push(statements.map((statement) => statement.args.length / recordColumns.length));
      return database.rawBatch(statements);
    },
  };
  const storedIds = async () =>
    (await database.rawBatch([{ sql: 'select id from usage order by id', args: [] }]))[0]!.map((row) => row['id']);
  return { store: new UsageStore(counted), transactions, storedIds };
}

const record = (id: string, overrides: Partial<UsageRecord> = {}): UsageRecord => ({
  id,
  createdAt: '2026-12-01T10:00:00.000Z',
  route: '/api/generate',
  kind: 'chat',
  userId: 'local',
  keyId: null,
  requestedModel: 'llama3.2',
  provider: 'ollama',
  model: 'ollama/llama3.2',
  outcome: 'complete',
  errorCode: null,
  inputTokens: 12,
  outputTokens: 20,
  costUsd: null,
  latencyMs: 3,
  ttftMs: 1,
  attempts: 1,
  requestId: null,
  endUser: null,
  conversationId: null,
  ...overrides,
});

const ids = (count: number) => Array.from({ length: count }, (_, index) => `row-${String(index).padStart(3, '0')}`);

describe('usage rows written in groups on libSQL', () => {
  it('stores the rows of generations that settle together in one statement of one transaction, each once', async () => {
    const { store, transactions, storedIds } = await countedDatabase(true);
    await Promise.all(ids(12).map((id) => store.record(record(id))));
    expect(transactions).toEqual([[12]]);
    expect(await storedIds()).toEqual(ids(12));

    // A retried write of a stored row (the recorder retries after a fault) stores nothing twice.
    await store.record(record('row-000'));
    expect(await storedIds()).toEqual(ids(12));
  });

  it('splits a burst into writes of at most 50 rows, and resolves every call', async () => {
    const { store, transactions, storedIds } = await countedDatabase(true);
    await Promise.all(ids(120).map((id) => store.record(record(id))));
    expect(transactions).toEqual([[50], [50], [20]]);
    expect(await storedIds()).toHaveLength(120);
  });

  it('fails only the row that cannot be stored: the others of its group are written one by one', async () => {
    const { store, transactions, storedIds } = await countedDatabase(true);
    const results = await Promise.allSettled(
      ids(4).map((id) => store.record(id === 'row-002' ? record(id, { route: null as unknown as string }) : record(id))),
    );
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(transactions).toEqual([[4], [1], [1], [1], [1]]);
    expect(await storedIds()).toEqual(['row-000', 'row-001', 'row-003']);
  });

  it('writes one transaction per row where the database does not group writes (D1)', async () => {
    const { store, transactions, storedIds } = await countedDatabase(undefined);
    await Promise.all(ids(5).map((id) => store.record(record(id))));
    expect(transactions).toEqual([[1], [1], [1], [1], [1]]);
    expect(await storedIds()).toEqual(ids(5));
  });
});
