import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface RunningProcess {
  child: ChildProcess;
  /** Base URL, for servers. */
  url: string;
  stop(): Promise<void>;
}

const nodeTs = ['--experimental-strip-types', '--no-warnings=ExperimentalWarning'];
/** The flags `npm start` gives the gateway (package.json "serve"), so the bench measures what users run. */
const nodeServeFlags = ['--max-semi-space-size=8'];

/** Starts a script and resolves with the first line it prints (its URL); `serveFlags`: with the gateway's Node flags. */
export async function startScript(
  script: string,
  env: Record<string, string> = {},
  options: { serveFlags?: boolean } = {},
): Promise<RunningProcess & { firstLine: string }> {
  const child = spawn(process.execPath, [...(options.serveFlags === true ? nodeServeFlags : []), ...nodeTs, script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const firstLine = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${String(code)}`)));
  });
  return { child, firstLine, url: firstLine.trim(), stop: () => stopProcess(child) };
}

export type Runtime = 'node' | 'bun';

/** Starts the gateway on a runtime with a fresh database; resolves when it answers /health. */
export async function startGateway(
  runtime: Runtime,
  port: number,
  ollamaUrl: string,
  extraEnv: Record<string, string> = {},
): Promise<RunningProcess> {
  const directory = await mkdtemp(join(tmpdir(), 'edge-llm-bench-'));
  const [command, args] =
    runtime === 'node'
      ? [process.execPath, [...nodeServeFlags, 'dist/server/node.mjs']]
      : ['node_modules/.bin/bun', ['src/entry/bun.ts']];
  const child = spawn(command, args, {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      OLLAMA_BASE_URL: ollamaUrl,
      DATABASE_URL: `file:${join(directory, 'bench.db')}`,
      LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${String(port)}`;
  await waitUntilAnswering(child, `${url}/health`, 'gateway');
  return { child, url, stop: () => stopProcess(child) };
}

/**
 * Starts the Portkey gateway (the `@portkey-ai/gateway` dev dependency, its Node server) as the peer
 * to compare with; resolves when `GET /` answers. It has no host option, so it listens on all
 * interfaces while the bench runs. Its start-up banner (stdout) is dropped. Its one stderr line on
 * Node 24, "Failed to find Response internal state key", is @hono/node-server 1.13.5 (pinned for it
 * in package.json) losing a body-reading shortcut; its answers are unaffected.
 */
export async function startPortkey(port: number): Promise<RunningProcess> {
  const child = spawn(
    process.execPath,
    ['node_modules/@portkey-ai/gateway/build/start-server.js', `--port=${String(port)}`, '--headless'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `http://127.0.0.1:${String(port)}`;
  await waitUntilAnswering(child, `${url}/`, 'Portkey');
  return { child, url, stop: () => stopProcess(child) };
}

/** Polls `url` until it answers 2xx; if the child fails to spawn, exits or takes over 15 s, stops it and rejects. */
async function waitUntilAnswering(child: ChildProcess, url: string, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  child.once('error', () => undefined); // a failed spawn leaves no pid; the check below handles it
  for (;;) {
    try {
      const response = await fetch(url);
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // not up yet
    }
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      await stopProcess(child);
      throw new Error(`${what} did not start`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timedOut = await Promise.race([exited.then(() => false), new Promise((resolve) => setTimeout(resolve, 3000, true))]);
  if (timedOut) child.kill('SIGKILL');
}

/** A port of 127.0.0.1 that nothing listens on now (for a gateway started with PORT). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** CPU time (user+system, ms) a process has used so far, from /proc. */
export async function cpuMilliseconds(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const stat = await readFile(`/proc/${String(pid)}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

async function statusField(pid: number, field: string): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${String(pid)}/status`, 'utf8');
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** Resident set size (MB) of a process, from /proc. */
export const rssMegabytes = (pid: number) => statusField(pid, 'VmRSS');

/** Highest resident set size (MB) the process has had, from /proc. */
export const peakRssMegabytes = (pid: number) => statusField(pid, 'VmHWM');
