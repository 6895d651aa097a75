/**
 * What every command gets from the entry (src/cli/main.ts, the only module that touches `process`):
 * the streams, the environment for validate-config, colours decided per stream, the global options
 * and the API client built from them.
 */
import type { Command } from 'commander';
import type picocolors from 'picocolors';
import type { ApiClient } from '../client/api-client.ts';

/** Colour functions (picocolors); each returns its input unchanged when colours are off. */
export type Colors = ReturnType<typeof picocolors.createColors>;

export type OutputStream = NodeJS.WritableStream & {
  readonly isTTY?: boolean | undefined;
  readonly columns?: number | undefined;
};

export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean | undefined };
  /** All of standard input as text (for `query -`). */
  readStdin(): Promise<string>;
  /**
   * Listens for Ctrl+C sent as a signal (SIGINT) while the listener is registered; returns the
   * unsubscribe function. Without any listener a SIGINT ends the process (exit 130).
   */
  onInterrupt(listener: () => void): () => void;
}

/** The options every command takes (`--url`, `--api-key`, `--json`), resolved against the environment. */
export interface GlobalOptions {
  url: string;
  apiKey: string | undefined;
  json: boolean;
}

export interface CliContext {
  readonly io: CliIo;
  /** The environment the CLI runs in (validate-config reads it; nothing else does). */
  readonly environment: Readonly<Record<string, string | undefined>>;
  readonly colors: { readonly stdout: Colors; readonly stderr: Colors };
  /** The global options of the command being run. */
  globals(command: Command): GlobalOptions;
  /** The API client for the command being run (its --url and --api-key). */
  client(command: Command): ApiClient;
  /** A monotonic clock in milliseconds, for latencies. */
  readonly now: () => number;
}

/**
 * A failure the command has already explained, or explains in this one line: the entry prints
 * `edge-llm: <message>` on stderr and exits with `exitCode`.
 */
export class CliFailure extends Error {
  override name = 'CliFailure';
  readonly exitCode: number;
  /** The command already wrote its one line (batch's JSON summary): the entry adds nothing. */
  readonly reported: boolean;

  constructor(message: string, options: { exitCode?: number; reported?: boolean } = {}) {
    super(message);
    this.exitCode = options.exitCode ?? 1;
    this.reported = options.reported ?? false;
  }
}
