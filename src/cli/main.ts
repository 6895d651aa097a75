/**
 * The entry of `edge-llm` (bin/edge-llm.js starts it): the only module of the CLI that reads argv,
 * the environment and the process's streams and signals. Every failure ends here as one line on
 * stderr and a non-zero exit code, never a stack trace.
 */
import type { Command } from 'commander';
import pc from 'picocolors';
import { ApiClient } from '../client/api-client.ts';
import type { CliContext, CliIo, GlobalOptions, OutputStream } from './cli-context.ts';
import { describeFailure } from './failure.ts';
import { defaultUrl, runProgram } from './program.ts';

const environment: Readonly<Record<string, string | undefined>> = { ...process.env };

/** Colours only on a terminal, never with NO_COLOR set (no-color.org); FORCE_COLOR turns them on. */
function colorsFor(stream: OutputStream) {
  const noColor = environment['NO_COLOR'];
  const forceColor = environment['FORCE_COLOR'];
  if (noColor !== undefined && noColor !== '') return pc.createColors(false);
  if (forceColor !== undefined && forceColor !== '' && forceColor !== '0') return pc.createColors(true);
  return pc.createColors(stream.isTTY === true && environment['TERM'] !== 'dumb');
}

const interruptListeners = new Set<() => void>();
process.on('SIGINT', () => {
  if (interruptListeners.size === 0) process.exit(130);
  for (const listener of interruptListeners) listener();
});
// A reader that went away (`edge-llm history list | head -1`) is not a failure.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
  });

const io: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  async readStdin() {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    return Buffer.concat(chunks).toString('utf8');
  },
  onInterrupt(listener) {
    interruptListeners.add(listener);
    return () => {
      interruptListeners.delete(listener);
    };
  },
};

function globals(command: Command): GlobalOptions {
  const options = command.optsWithGlobals<{ url?: string; apiKey?: string; json?: boolean }>();
  return {
    url: options.url ?? environment['EDGE_LLM_URL'] ?? defaultUrl,
    apiKey: options.apiKey ?? environment['EDGE_LLM_API_KEY'],
    json: options.json === true,
  };
}

const context: CliContext = {
  io,
  environment,
  colors: { stdout: colorsFor(process.stdout), stderr: colorsFor(process.stderr) },
  globals,
  client(command) {
    const { url, apiKey } = globals(command);
    return new ApiClient({ baseUrl: url, apiKey });
  },
  now: () => performance.now(),
};

/** Exits once what was written has been flushed (pipes can be asynchronous), whatever is still open. */
function exit(code: number): void {
  process.stdout.write('', () => {
    process.stderr.write('', () => process.exit(code));
  });
}

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`edge-llm: ${describeFailure(reason)}\n`);
  exit(1);
});

runProgram(context, process.argv.slice(2)).then(exit, (error: unknown) => {
  process.stderr.write(`edge-llm: ${describeFailure(error)}\n`);
  exit(1);
});
