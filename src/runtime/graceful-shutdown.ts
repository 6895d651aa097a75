import type { Logger } from '../logger.ts';
import type { GenerationDrain } from './generation-drain.ts';

/** What a runtime's server offers a shutdown. */
export interface ServerControl {
  /** Stops accepting connections; resolves once every connection has closed. */
  stopAccepting(): Promise<void>;
  /** Closes the connections idle now (kept alive between requests); where the runtime has it. */
  closeIdleConnections?: () => void;
  /** Closes every connection left; where the runtime has it. */
  closeAllConnections?: () => Promise<void> | void;
}

export interface ShutdownOptions {
  server: ServerControl;
  drain: GenerationDrain;
  /** SHUTDOWN_GRACE_SECONDS, in milliseconds. */
  graceMs: number;
  closeDatabase(): void;
  logger: Logger;
}

/** How long aborted generations get to store their answer and usage. */
const settleMs = 5_000;
/** How long the responses left after the drain (a history page, a stream's last event) get before their connections are closed. */
const connectionsMs = 2_000;

/** The longest a shutdown takes before the process gives up on it. */
export const shutdownDeadlineMs = (graceMs: number) => graceMs + 2 * settleMs + connectionsMs + 1_000;

const delay = (milliseconds: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, milliseconds);
  });

/**
 * A graceful shutdown, the same on Node, Bun and Deno: stop accepting connections (and refuse new
 * generations), let running generations finish for the grace period, abort the rest (stored as
 * `aborted` through their normal settling: usage written, stream slots released), let the last
 * responses go out, close what connections are left, abort and settle anything admitted meanwhile,
 * then close the database.
 */
export async function shutDown(options: ShutdownOptions): Promise<void> {
  const { server, drain, logger } = options;
  const closed = server.stopAccepting().catch((error: unknown) => {
    logger.warn('the server did not stop cleanly', { error: error instanceof Error ? error.message : String(error) });
  });
  const report = await drain.drain(options.graceMs, settleMs);
  logger.info('generations drained', { ...report });
  // Node keeps a connection open after its response (keep-alive) until told otherwise.
  const idleCloser = setInterval(() => server.closeIdleConnections?.(), 50);
  await Promise.race([closed, delay(connectionsMs)]);
  clearInterval(idleCloser);
  await server.closeAllConnections?.();
  const late = await drain.abortRunning(settleMs);
  if (late.aborted > 0) logger.info('generations drained', { ...late });
  options.closeDatabase();
}

/**
 * On SIGTERM or SIGINT: {@link shutDown}, then exit 0 (1 when it failed or did not finish by
 * {@link shutdownDeadlineMs}). A second signal exits at once.
 */
export function shutDownOnSignals(
  options: ShutdownOptions & {
    onSignal(signal: 'SIGTERM' | 'SIGINT', handler: () => void): void;
    exit(code: number): void;
  },
): void {
  let stopping = false;
  const handle = (signal: string) => {
    if (stopping) {
      options.logger.warn('second signal: exiting without waiting', { signal });
      options.exit(1);
      return;
    }
    stopping = true;
    options.logger.info('shutting down', { signal, grace_seconds: options.graceMs / 1000, in_flight: options.drain.inFlight });
    setTimeout(() => {
      options.logger.error('shutdown did not finish in time');
      options.exit(1);
    }, shutdownDeadlineMs(options.graceMs));
    shutDown(options).then(
      () => {
        options.logger.info('stopped');
        options.exit(0);
      },
      (error: unknown) => {
        options.logger.error('shutdown failed', { error: error instanceof Error ? error.message : String(error) });
        options.exit(1);
      },
    );
  };
  options.onSignal('SIGTERM', () => {
    handle('SIGTERM');
  });
  options.onSignal('SIGINT', () => {
    handle('SIGINT');
  });
}
