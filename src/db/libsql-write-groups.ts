import type { Client, InStatement, ResultSet, TransactionMode } from '@libsql/client';
import { afterThisTurn } from '../runtime/after-this-turn.ts';

/** Most statements one shared transaction takes; batches beyond wait for the next one. */
const statementsPerTransaction = 200;

interface PendingBatch {
  statements: InStatement[];
  resolve: (results: ResultSet[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs the write batches that requests submit in the same turn of the event loop as one transaction
 * when the turn ends, in the order they came, each caller getting its own statements' results. On an
 * embedded file every transaction costs a BEGIN IMMEDIATE (the file lock) and a COMMIT (the WAL
 * write) of ~150 µs of CPU together, and a chat turn has two (the user message, then the answer); at
 * concurrency 16 several turns start or end in the same turn of the loop. Semantics stay those of
 * batches run one after the other: when a shared transaction fails it is rolled back whole and each
 * batch runs again alone, so only a batch that fails by itself fails, with its own error. A busy
 * database fails them all at once (running them alone would wait out the busy timeout once each).
 * Reads (`execute`) are not held back.
 */
export function groupWritesPerTurn(client: Client, isBusy: (error: unknown) => boolean): void {
  const batch = client.batch.bind(client);
  const pending: PendingBatch[] = [];
  let scheduled = false;

  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    afterThisTurn(() => {
      scheduled = false;
      void runPending();
    });
  };

  const runAlone = (one: PendingBatch) => batch(one.statements, 'write').then(one.resolve, one.reject);

  async function runPending(): Promise<void> {
    const group = takeGroup();
    if (pending.length > 0) schedule();
    const [first] = group;
    if (first === undefined) return;
    if (group.length === 1) {
      await runAlone(first);
      return;
    }
    let results: ResultSet[];
    try {
      results = await batch(
        group.flatMap(({ statements }) => statements),
        'write',
      );
    } catch (error) {
      if (isBusy(error)) {
        for (const one of group) one.reject(error);
        return;
      }
      for (const one of group) await runAlone(one);
      return;
    }
    let offset = 0;
    for (const one of group) {
      one.resolve(results.slice(offset, offset + one.statements.length));
      offset += one.statements.length;
    }
  }

  function takeGroup(): PendingBatch[] {
    let statements = 0;
    let count = 0;
    for (const one of pending) {
      if (count > 0 && statements + one.statements.length > statementsPerTransaction) break;
      statements += one.statements.length;
      count += 1;
    }
    return pending.splice(0, count);
  }

  client.batch = (statements: InStatement[], mode: TransactionMode = 'write') => {
    if (mode !== 'write' || statements.length === 0) return batch(statements, mode);
    return new Promise<ResultSet[]>((resolve, reject) => {
      pending.push({ statements, resolve, reject });
      schedule();
    });
  };
}
