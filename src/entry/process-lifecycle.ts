import { ConfigError } from '../config.ts';
import { shutDownOnSignals, type ShutdownOptions } from '../runtime/graceful-shutdown.ts';

/**
 * On SIGTERM/SIGINT (Node, Bun): stop accepting connections, let running streams finish for
 * SHUTDOWN_GRACE_SECONDS, abort the rest, close the database, exit 0 (graceful-shutdown.ts).
 */
export function stopOnSignals(options: ShutdownOptions): void {
  shutDownOnSignals({
    ...options,
    onSignal: (signal, handler) => {
      process.on(signal, handler);
    },
    exit: (code) => {
      process.exit(code);
    },
  });
}

/** Runs an entry's start-up; a bad configuration or a failed start stops the process with a message. */
export function runEntry(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) console.error(error.message);
    else console.error('start-up failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
