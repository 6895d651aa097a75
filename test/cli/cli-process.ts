/**
 * Runs `edge-llm` as `npx edge-llm` does: `node bin/edge-llm.js …` in a child process, with an
 * environment of the test's making (no EDGE_LLM_* or NO_COLOR from the machine), and for the
 * interactive cases inside a pseudo-terminal made by util-linux `script` (bsdutils, on every
 * Debian), so the CLI sees a terminal: readline in raw mode, Ctrl+C as a key, colours on.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const binPath = fileURLToPath(new URL('../../bin/edge-llm.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** Variables added to a minimal environment (PATH, HOME). */
  env?: Record<string, string>;
  /** Written to standard input, which is then closed (none: closed at once). */
  input?: string;
  cwd?: string;
  timeoutMs?: number;
  /** Options for node itself, before the bin (`--no-experimental-strip-types`). */
  nodeArguments?: string[];
}

function childEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  const base: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp' };
  return { ...base, ...extra };
}

/** Runs the CLI to its end. */
export function runCli(args: string[], options: CliRunOptions = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [binPath, ...args], {
    env: childEnvironment(options.env),
    cwd: options.cwd,
    stdio: 'pipe',
  });
  const result = collect(child);
  child.stdin.end(options.input ?? '');
  return withTimeout(result, child, options.timeoutMs ?? 15_000);
}

function collect(child: ChildProcessWithoutNullStreams): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

async function withTimeout<T>(work: Promise<T>, child: ChildProcessWithoutNullStreams, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`edge-llm did not end within ${String(timeoutMs)} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A CLI process the test talks to while it runs. */
export interface LiveCli {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything it printed so far (in a terminal, stdout and stderr together). */
  output(): string;
  write(text: string): void;
  /** Resolves when `pattern` appears in the output after `from` (an index into output()). */
  waitFor(pattern: RegExp, from?: number, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code. */
  exited(timeoutMs?: number): Promise<CliResult>;
}

function live(child: ChildProcessWithoutNullStreams): LiveCli {
  let output = '';
  const listeners = new Set<() => void>();
  const take = (chunk: string) => {
    output += chunk;
    for (const listener of listeners) listener();
  };
  child.stdout.setEncoding('utf8').on('data', take);
  child.stderr.setEncoding('utf8').on('data', take);
  const ended = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    child,
    output: () => output,
    write: (text) => child.stdin.write(text),
    waitFor(pattern, from = 0, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(output.slice(from))) return;
          done();
          resolve();
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `no ${String(pattern)} in the output within ${String(timeoutMs)} ms: ${JSON.stringify(output.slice(from))}`,
            ),
          );
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async exited(timeoutMs = 10_000) {
      const code = await withTimeout(ended, child, timeoutMs);
      return { code, stdout: output, stderr: '' };
    },
  };
}

/** Starts the CLI with pipes: stdin is not a terminal, Ctrl+C is a signal (`child.kill('SIGINT')`). */
export function startCli(args: string[], options: Omit<CliRunOptions, 'input'> = {}): LiveCli {
  return live(
    spawn(process.execPath, [binPath, ...args], { env: childEnvironment(options.env), cwd: options.cwd, stdio: 'pipe' }),
  );
}

const shellQuote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

/**
 * Starts the CLI in a pseudo-terminal: `script -qfec "node bin/edge-llm.js …" /dev/null`. What the test
 * writes goes to the terminal as typed keys (`\r` is Enter, `\x03` is Ctrl+C); the exit code is the
 * CLI's (`-e`).
 */
export function startCliInTerminal(args: string[], options: Omit<CliRunOptions, 'input'> = {}): LiveCli {
  const command = [process.execPath, ...(options.nodeArguments ?? []), binPath, ...args].map(shellQuote).join(' ');
  return live(
    spawn('script', ['-qfec', command, '/dev/null'], {
      env: childEnvironment({ TERM: 'xterm-256color', COLUMNS: '120', LINES: '40', ...options.env }),
      cwd: options.cwd,
      stdio: 'pipe',
    }),
  );
}

/** Colour and cursor codes out, line endings as `\n`: what a person reads on the terminal. */
export function plainText(output: string): string {
  // eslint-disable-next-line no-control-regex -- terminal codes are what is removed
  return output.replace(/\u001b(\[[0-9;?]*[A-Za-z]|[78])/g, '').replace(/\r\n?/g, '\n');
}
