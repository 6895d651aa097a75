import Libsql from 'libsql';

type NativeDatabase = InstanceType<typeof Libsql>;
type NativeStatement = ReturnType<NativeDatabase['prepare']>;

/** Statements kept per connection; the least recently used goes when a new one would pass it. */
const statementsPerConnection = 256;
/**
 * What a cached statement that returns no rows throws from `raw()`: made once, so asking costs no new
 * Error and stack trace (the client asks on every call).
 */
const returnsNoRows = new TypeError('The statement returns no rows; raw mode is for statements that do');

interface ConnectionStatements {
  /** The `schemaChanges` count the statements were prepared under. */
  schema: number;
  statements: Map<string, NativeStatement>;
}

const statementsOf = new WeakMap<NativeDatabase, ConnectionStatements>();
let installed = false;
/** Raised by `forgetCachedStatements`: every connection's cache made before is emptied on its next use. */
let schemaChanges = 0;

/**
 * Empties every connection's cache: after this process migrated the schema. A cached statement keeps
 * the columns it was prepared with (SQLite prepares it again on a schema change, but the binding keeps
 * the old column list: a cached `select *` would not show an added column). Every statement this API
 * runs names its columns, which migrations only add to, so a schema changed by another process breaks
 * none of them; this is for the schema this process changes itself.
 */
export function forgetCachedStatements(): void {
  schemaChanges += 1;
}

/**
 * Makes the embedded libSQL binding prepare each SQL text once per connection. `@libsql/client` calls
 * `prepare` for every statement it runs and keeps no cache (its SQL cache is for remote databases
 * only), so a chat turn prepared its six statements again each time: with the triggers they fire,
 * ~300 µs of CPU per turn, 11 % of `/api/chat/stream` at concurrency 16 in a profile. The client also
 * asks every statement for raw mode, which throws a new Error for one that returns no rows (another
 * 3.6 %); a cached statement of that kind answers with one error made up front.
 *
 * The client runs each statement to its end inside one synchronous call, so reusing the native
 * statement never interleaves two uses. A statement that fails leaves the cache (the next use prepares
 * it fresh, as before); a connection that is replaced or closed takes its statements with it. After
 * migrations the caches are emptied (`forgetCachedStatements`).
 *
 * The binding has no hook for this and the client creates its connections privately, so it is done on
 * the binding's `prepare`, once per process, for every connection the process opens.
 */
export function cacheLibsqlStatements(): void {
  if (installed) return;
  installed = true;
  const prototype = Libsql.prototype as unknown as { prepare: (this: NativeDatabase, sql: string) => NativeStatement };
  const prepare = prototype.prepare;
  prototype.prepare = function cachedPrepare(this: NativeDatabase, sql: string): NativeStatement {
    let connection = statementsOf.get(this);
    if (connection?.schema !== schemaChanges) {
      connection = { schema: schemaChanges, statements: new Map() };
      statementsOf.set(this, connection);
    }
    const { statements } = connection;
    const cached = statements.get(sql);
    if (cached !== undefined) {
      // Most recently used last: the first key is the one to drop.
      statements.delete(sql);
      statements.set(sql, cached);
      return cached;
    }
    const statement = prepare.call(this, sql);
    forgetOnFailure(statement, statements, sql);
    if (!statement.reader) {
      statement.raw = () => {
        throw returnsNoRows;
      };
    }
    if (statements.size >= statementsPerConnection) {
      const oldest = statements.keys().next().value;
      if (oldest !== undefined) statements.delete(oldest);
    }
    statements.set(sql, statement);
    return statement;
  };
}

function forgetOnFailure(statement: NativeStatement, statements: Map<string, NativeStatement>, sql: string): void {
  for (const method of ['run', 'all', 'get'] as const) {
    const original = statement[method].bind(statement) as (...values: unknown[]) => unknown;
    Object.defineProperty(statement, method, {
      configurable: true,
      writable: true,
      value: (...values: unknown[]) => {
        try {
          return original(...values);
        } catch (error) {
          if (statements.get(sql) === statement) statements.delete(sql);
          throw error;
        }
      },
    });
  }
}
