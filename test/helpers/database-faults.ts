/**
 * Storage faults for tests (RELIABILITY.md cases 37–39), injected into the database dependency the app
 * receives, at its driver: the libSQL client's `batch` on Node (test-app.ts), the D1 binding's `batch`
 * inside workerd (workers-harness.ts). Everything above the driver (Drizzle, the stores, the services)
 * runs unchanged. A fault hits the next batches that have a statement matching a pattern. Runtime-neutral.
 */

export type BatchFault =
  /** The batch is refused before it runs: nothing is committed (SQLITE_BUSY, a D1 request that never left). */
  | { kind: 'fail-before'; message: string }
  /** The batch runs and commits, then its answer is lost (D1's "Network connection lost." after the write). */
  | { kind: 'fail-after'; message: string }
  /** The batch waits this long, then runs (a stalled database or network). */
  | { kind: 'stall'; ms: number };

export interface DatabaseFaults {
  /** The next `times` batches with a statement matching `match` get `fault` (once by default). */
  inject(match: RegExp, fault: BatchFault, times?: number): void;
  /** Batches started so far with a statement matching `match` (faulty ones included). */
  batches(match: RegExp): number;
  /** Batches that are stalled right now. */
  stalled(): number;
}

/** The SQL of the final write of a turn: the batch that stores the answer and frees the conversation's lock. */
export const finalWrite = /^update "conversations" set "active_generation_id" = \?/;

interface Injected {
  match: RegExp;
  fault: BatchFault;
  left: number;
}

/** Wraps a driver's `batch`; `sqlOf` reads a statement's SQL (libSQL `{sql}`, D1's `statement`). */
export function faultyBatch<Statement, Rest extends unknown[], Result>(
  batch: (statements: Statement[], ...rest: Rest) => Promise<Result>,
  sqlOf: (statement: Statement) => string,
): { batch: (statements: Statement[], ...rest: Rest) => Promise<Result>; faults: DatabaseFaults } {
  const injected: Injected[] = [];
  const started: string[][] = [];
  let stalled = 0;
  const faults: DatabaseFaults = {
    inject(match, fault, times = 1) {
      injected.push({ match, fault, left: times });
    },
    batches: (match) => started.filter((sql) => sql.some((text) => match.test(text))).length,
    stalled: () => stalled,
  };
  return {
    faults,
    async batch(statements, ...rest) {
      const sql = statements.map(sqlOf);
      started.push(sql);
      const hit = injected.find((entry) => entry.left > 0 && sql.some((text) => entry.match.test(text)));
      if (hit === undefined) return batch(statements, ...rest);
      hit.left -= 1;
      const { fault } = hit;
      if (fault.kind === 'fail-before') throw new Error(fault.message);
      if (fault.kind === 'stall') {
        stalled += 1;
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        stalled -= 1;
        return batch(statements, ...rest);
      }
      await batch(statements, ...rest);
      throw new Error(fault.message);
    },
  };
}
