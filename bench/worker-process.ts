/**
 * The Worker under `wrangler dev` (local workerd and a local D1 in a temp folder, migrated first), for
 * measuring workerd's CPU the way the bench measures Node's: from /proc, summed over the workerd
 * processes wrangler started.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMilliseconds, type RunningProcess } from './processes.ts';

const wrangler = 'node_modules/.bin/wrangler';
const quiet = { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' };

/** Pids of `root`'s descendants (and `root`), from /proc. */
async function descendants(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found = [root];
  for (let index = 0; index < found.length; index += 1) {
    for (const [pid, parent] of parents) if (parent === found[index]) found.push(pid);
  }
  return found;
}

async function commandName(pid: number): Promise<string> {
  return (await readFile(`/proc/${String(pid)}/comm`, 'utf8').catch(() => '')).trim();
}

export interface WorkerProcess extends RunningProcess {
  /** CPU (ms) used so far by the workerd processes that serve the Worker. */
  cpuMilliseconds(): Promise<number>;
}

/** Applies the migrations to a fresh local D1, then starts `wrangler dev` with these vars; resolves when /health answers. */
export async function startWorker(port: number, vars: Record<string, string>): Promise<WorkerProcess> {
  const persistTo = await mkdtemp(join(tmpdir(), 'edge-llm-bench-worker-'));
  const migrated = spawnSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo], {
    env: quiet,
    encoding: 'utf8',
  });
  if (migrated.status !== 0) throw new Error(`wrangler d1 migrations apply failed: ${migrated.stderr}`);
  const varArguments = Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]);
  const child = spawn(
    wrangler,
    [
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--persist-to',
      persistTo,
      '--show-interactive-dev-session=false',
      ...varArguments,
    ],
    { env: quiet, stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const url = `http://127.0.0.1:${String(port)}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answered = await fetch(`${url}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (answered) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('wrangler dev did not start');
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    for (const pid of await descendants(child.pid ?? 0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  return {
    child,
    url,
    stop,
    async cpuMilliseconds() {
      let total = 0;
      for (const pid of await descendants(child.pid ?? 0)) {
        if ((await commandName(pid)) === 'workerd') total += await cpuMilliseconds(pid).catch(() => 0);
      }
      return total;
    },
  };
}
