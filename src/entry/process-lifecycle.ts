import { ConfigError } from '../config.ts';
import type { Logger } from '../logger.ts';

/** On SIGTERM/SIGINT: stop accepting requests, close the database, exit (at the latest after 10 s). */
export function stopOnSignals(stopServer: () => Promise<void>, closeDatabase: () => void, logger: Logger): void {
  const shutdown = (signal: string) => {
    logger.info('shutting down', { signal });
    void stopServer().finally(() => {
      closeDatabase();
      process.exit(0);
    });
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

/** Runs an entry's start-up; a bad configuration or a failed start stops the process with a message. */
export function runEntry(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) console.error(error.message);
    else console.error('start-up failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
