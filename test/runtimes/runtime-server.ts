/**
 * Starts the API as a child process (Node, Bun, Deno) the way its npm script does,
 * with a temp libSQL file and the given environment, and finds its port from the `listening` log line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface RuntimeServer {
  url: string;
  databasePath: string;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  /** Sends the process a signal (SIGTERM: a graceful shutdown). */
  kill(signal: NodeJS.Signals): void;
  /** The process's exit code (null when a signal ended it), once it exited. */
  readonly exit: Promise<number | null>;
  stop(): Promise<void>;
}

export interface RuntimeCommand {
  /** Executable, e.g. node_modules/.bin/bun. */
  command: string;
  args: string[];
}

const startTimeoutMs = 60_000;

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

export async function startRuntimeServer(runtime: RuntimeCommand, env: Record<string, string>): Promise<RuntimeServer> {
  const directory = await mkdtemp(join(tmpdir(), 'edge-llm-api-runtime-'));
  const databasePath = join(directory, 'app.db');
  const child = spawn(runtime.command, runtime.args, {
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? directory,
      DATABASE_URL: `file:${databasePath}`,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exit = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no listening line within ${String(startTimeoutMs)} ms:\n${output}`)),
      startTimeoutMs,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${runtime.command} exited with ${String(code)} before listening:\n${output}`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      output += `${line}\n`;
      if (!line.includes('"listening"')) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
  });

  return {
    url,
    databasePath,
    output: () => output,
    kill: (signal) => {
      child.kill(signal);
    },
    exit,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited(child);
      clearTimeout(timer);
      await rm(directory, { recursive: true, force: true });
    },
  };
}
