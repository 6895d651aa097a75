/**
 * The Worker's CPU per streamed answer on workerd (issue goal: at most 5 ms of CPU per request for a
 * 2,000-token answer, half the Workers free plan's 10 ms limit). One `wrangler dev` (local workerd,
 * local D1; it runs the Worker build of wrangler.toml) in front of two fake upstreams, one answering
 * 2,000 tokens (the `ollama`, `openai` and `anthropic` providers) and one answering 32 (a second Ollama provider, `short`), so the cost per token is the
 * difference. Each target is requested at concurrency 1 (wrangler dev is not built for more), warmed
 * up first, then measured in interleaved rounds bounded by a request count and a time; every answer is
 * read to its end and counts as an error unless it carries its last token. CPU is the workerd
 * processes' (user + system, from /proc) per completed request, with the share of wrangler's proxy
 * workerd and of V8's helper threads; GET /health/live shows the fixed cost of any request on that
 * path. Runs alone with
 * `node --experimental-strip-types --no-warnings=ExperimentalWarning bench/worker-stream-cost.ts`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { requestHeaders } from './load.ts';
import { cpuMilliseconds, freePort, startScript } from './processes.ts';
import { round } from './statistics.ts';
import { startWorker, type WorkerProcess } from './worker-process.ts';

const longTokens = 2000;
const shortTokens = 32;
const warmUpRequests = 5;
const rounds = 3;
/** Per target and round: at most this many requests, for at most `roundSeconds`. */
const streamRequestsPerRound = 40;
const healthRequestsPerRound = 200;
const roundSeconds = 5;

interface Target {
  label: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  /** Tokens in the answer; undefined for the baseline. */
  tokens?: number;
  /** What a complete answer contains. */
  expected: string;
}

const lastToken = (tokens: number) => `word${String(tokens - 1)} `;
const chatBody = (model: string) => ({ model, messages: [{ role: 'user', content: 'Hi' }], stream: true });

function targets(): Target[] {
  const streamed = (label: string, path: string, body: unknown, tokens: number): Target => ({
    label,
    method: 'POST',
    path,
    body,
    tokens,
    expected: lastToken(tokens),
  });
  const generate = 'POST /api/generate SSE, Ollama';
  const chatCompletions = 'POST /v1/chat/completions SSE, Ollama';
  const chatStream = 'POST /api/chat/stream, history in D1';
  return [
    { label: 'GET /health/live (baseline)', method: 'GET', path: '/health/live', expected: '"status":"ok"' },
    streamed(generate, '/api/generate', { prompt: 'Hi', stream: true }, longTokens),
    streamed(chatCompletions, '/v1/chat/completions', chatBody('llama3.2'), longTokens),
    streamed('POST /v1/chat/completions SSE, OpenAI', '/v1/chat/completions', chatBody('openai/gpt-4o-mini'), longTokens),
    streamed(
      'POST /v1/chat/completions SSE, Anthropic',
      '/v1/chat/completions',
      chatBody('anthropic/claude-haiku-4-5'),
      longTokens,
    ),
    streamed(chatStream, '/api/chat/stream', { message: 'Hi' }, longTokens),
    streamed(generate, '/api/generate', { prompt: 'Hi', model: 'short/llama3.2', stream: true }, shortTokens),
    streamed(chatCompletions, '/v1/chat/completions', chatBody('short/llama3.2'), shortTokens),
    streamed(chatStream, '/api/chat/stream', { message: 'Hi', model: 'short/llama3.2' }, shortTokens),
  ];
}

interface ProcessEntry {
  pid: number;
  parent: number;
  command: string;
  commandLine: string;
}

async function processEntries(): Promise<ProcessEntry[]> {
  const entries: ProcessEntry[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      entries.push({
        pid: Number(name),
        parent: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]),
        command: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
        commandLine: (await readFile(`/proc/${name}/cmdline`, 'utf8')).replaceAll('\0', ' '),
      });
    } catch {
      // gone meanwhile
    }
  }
  return entries;
}

/**
 * The processes `wrangler dev` runs: its workerd processes (the ones `startWorker` counts), among them
 * the one that listens on the dev port (wrangler's proxy worker, which forwards every request to the
 * workerd that runs the Worker), and wrangler's own Node process.
 */
async function wranglerProcesses(
  worker: WorkerProcess,
  port: number,
): Promise<{ workerd: number[]; proxy?: number; node?: number }> {
  const entries = await processEntries();
  const tree = entries.filter((entry) => entry.pid === worker.child.pid);
  for (let index = 0; index < tree.length; index += 1) {
    tree.push(...entries.filter((entry) => entry.parent === tree[index]?.pid));
  }
  const workerd = tree.filter((entry) => entry.command === 'workerd');
  const proxy = workerd.find((entry) => entry.commandLine.includes(`--socket-addr=entry=127.0.0.1:${String(port)} `));
  const node = tree.find((entry) => entry.parent === worker.child.pid && entry.commandLine.includes('wrangler'));
  return { workerd: workerd.map((entry) => entry.pid), ...(proxy && { proxy: proxy.pid }), ...(node && { node: node.pid }) };
}

/** CPU (ms) of a process's threads other than its main thread (workerd's: V8's helper threads), from /proc. */
async function helperThreadMilliseconds(pid: number): Promise<number> {
  let total = 0;
  for (const thread of await readdir(`/proc/${String(pid)}/task`).catch(() => [])) {
    if (thread === String(pid)) continue;
    const stat = await readFile(`/proc/${String(pid)}/task/${thread}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (stat !== '') total += ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  }
  return total;
}

interface Counters {
  /** Both workerd processes. */
  workerd: number;
  proxy: number;
  /** Both workerd processes' threads but the main ones. */
  helperThreads: number;
  node: number;
}

interface Row {
  target: Target;
  requests: number;
  errors: number;
  wallMs: number;
  cpu: Counters;
}

async function oneRequest(url: string, target: Target): Promise<boolean> {
  const response = await fetch(`${url}${target.path}`, {
    method: target.method,
    ...(target.body !== undefined && {
      headers: requestHeaders({ url, body: target.body }),
      body: JSON.stringify(target.body),
    }),
  });
  const text = await response.text();
  return response.ok && text.includes(target.expected);
}

/** Warms each target up, then measures them in interleaved rounds into `rows`; returns what it counted. */
async function measure(worker: WorkerProcess, port: number, rows: Row[]): Promise<{ workerdCount: number; proxyFound: boolean }> {
  const { workerd, proxy, node } = await wranglerProcesses(worker, port);
  const counters = async (): Promise<Counters> => {
    let helperThreads = 0;
    for (const pid of workerd) helperThreads += await helperThreadMilliseconds(pid);
    return {
      workerd: await worker.cpuMilliseconds(),
      proxy: proxy === undefined ? 0 : await cpuMilliseconds(proxy).catch(() => 0),
      helperThreads,
      node: node === undefined ? 0 : await cpuMilliseconds(node).catch(() => 0),
    };
  };
  for (const row of rows) {
    for (let index = 0; index < warmUpRequests; index += 1) await oneRequest(worker.url, row.target).catch(() => false);
  }
  for (let index = 0; index < rounds; index += 1) {
    for (const row of index % 2 === 0 ? rows : [...rows].reverse()) {
      const limit = row.target.tokens === undefined ? healthRequestsPerRound : streamRequestsPerRound;
      const deadline = performance.now() + roundSeconds * 1000;
      const before = await counters();
      for (let count = 0; count < limit && performance.now() < deadline; count += 1) {
        const begin = performance.now();
        const complete = await oneRequest(worker.url, row.target).catch(() => false);
        if (complete) {
          row.requests += 1;
          row.wallMs += performance.now() - begin;
        } else row.errors += 1;
      }
      const after = await counters();
      row.cpu.workerd += after.workerd - before.workerd;
      row.cpu.proxy += after.proxy - before.proxy;
      row.cpu.helperThreads += after.helperThreads - before.helperThreads;
      row.cpu.node += after.node - before.node;
    }
  }
  return { workerdCount: workerd.length, proxyFound: proxy !== undefined };
}

export async function runWorkerStreamCost(): Promise<string> {
  const long = await startScript('bench/upstream-server.ts', { BENCH_TOKENS: String(longTokens) });
  const short = await startScript('bench/upstream-server.ts', { BENCH_TOKENS: String(shortTokens) });
  const rows: Row[] = targets().map((target) => ({
    target,
    requests: 0,
    errors: 0,
    wallMs: 0,
    cpu: { workerd: 0, proxy: 0, helperThreads: 0, node: 0 },
  }));
  try {
    const port = await freePort();
    const worker = await startWorker(port, {
      LOG_LEVEL: 'warn',
      // wrangler.toml turns auth on for deployments; off here, so no credential is needed.
      AUTH_REQUIRED: 'false',
      OLLAMA_BASE_URL: long.url,
      OLLAMA_PROVIDERS: 'short',
      SHORT_BASE_URL: short.url,
      OPENAI_BASE_URL: `${long.url}/v1`,
      OPENAI_API_KEY: 'bench-key',
      OPENAI_MODELS: 'gpt-4o-mini',
      ANTHROPIC_BASE_URL: `${long.url}/v1`,
      ANTHROPIC_API_KEY: 'bench-key',
      ANTHROPIC_MODELS: 'claude-haiku-4-5',
    });
    try {
      const { workerdCount, proxyFound } = await measure(worker, port, rows);
      return section(rows, workerdCount, proxyFound);
    } finally {
      await worker.stop();
    }
  } finally {
    await long.stop();
    await short.stop();
  }
}

const perRequest = (row: Row, value: number) => value / Math.max(1, row.requests);

function section(rows: Row[], workerdCount: number, proxyFound: boolean): string {
  const health = rows.find((row) => row.target.tokens === undefined);
  const healthCpu = health ? perRequest(health, health.cpu.workerd) : 0;
  const milliseconds = (value: number) => `${String(round(value, 2))} ms`;
  const lines = [
    '## Worker CPU per streamed answer (workerd)',
    '',
    `\`wrangler dev\` (local workerd, local D1), AUTH_REQUIRED=false, LOG_LEVEL=warn; fake upstreams answering ${String(longTokens)} and ${String(shortTokens)} tokens (Ollama NDJSON, OpenAI and Anthropic SSE), each answer sent at once; the Worker as wrangler.toml builds it (scripts/build-worker.mjs). Concurrency 1; ${String(warmUpRequests)} warm-up requests per target, then ${String(rounds)} interleaved rounds per target of at most ${String(streamRequestsPerRound)} streamed requests (${String(healthRequestsPerRound)} for the baseline) or ${String(roundSeconds)} s. Every answer is read to its end; one without its last token (\`${lastToken(longTokens).trim()}\`) is an error. CPU per request: the CPU (user + system, from /proc) of the ${String(workerdCount)} workerd processes wrangler runs, over the rounds, divided by the completed requests. Goal: ≤ 5 ms per ${String(longTokens)}-token answer (the Workers free plan allows 10 ms).`,
    '',
    '| request | tokens | requests | errors | CPU per request (workerd) | of which the proxy workerd | of which V8 helper threads | − baseline | wall per request | wrangler Node (not counted) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const cpu = perRequest(row, row.cpu.workerd);
    const cells = [
      row.target.label,
      row.target.tokens === undefined ? '–' : String(row.target.tokens),
      String(row.requests),
      String(row.errors),
      milliseconds(cpu),
      proxyFound ? milliseconds(perRequest(row, row.cpu.proxy)) : 'not found',
      milliseconds(perRequest(row, row.cpu.helperThreads)),
      row === health ? '–' : milliseconds(cpu - healthCpu),
      milliseconds(perRequest(row, row.wallMs)),
      milliseconds(perRequest(row, row.cpu.node)),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const perToken = rows
    .filter((row) => row.target.tokens === longTokens)
    .flatMap((row) => {
      const shortRow = rows.find((other) => other.target.tokens === shortTokens && other.target.label === row.target.label);
      if (!shortRow) return [];
      const added = perRequest(row, row.cpu.workerd) - perRequest(shortRow, shortRow.cpu.workerd);
      return [`${row.target.label}: ${String(round((added / (longTokens - shortTokens)) * 1000, 1))} µs`];
    });
  lines.push(
    '',
    `CPU per added token (workerd; the ${String(longTokens)}- minus the ${String(shortTokens)}-token row, over ${String(longTokens - shortTokens)} tokens): ${perToken.join('; ')}.`,
    '',
    `What is counted: wrangler dev runs two workerd processes, both counted. One listens on the dev port and runs wrangler's proxy worker, which only forwards each request and its streamed answer to the other (its share is its own column; a deployed Worker has no such hop). The other runs the Worker's isolate together with Miniflare's entry worker, the assets router worker (which decides for each request whether it is a file of web/dist), the local D1 (a SQLite-backed Durable Object in the same process, where a deployed D1 runs elsewhere) and workerd's own I/O: parsing the request and the upstream's answer, writing the streamed response to the proxy. V8's helper threads (concurrent garbage collection and compilation) run beside the request. So these figures are an upper bound for the Worker's billed CPU, which counts the isolate's own work; "− baseline" takes away what a request that does nothing (GET /health/live) costs on the same path, and the per-token figures are free of the fixed costs but still include workerd's I/O per streamed event. wrangler's Node process (request logs, dev tooling) is not counted; its column is for reference.`,
    '',
    'Command: `npm run bench` (this section alone: `node --experimental-strip-types --no-warnings=ExperimentalWarning bench/worker-stream-cost.ts`).',
    '',
  );
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) console.log(await runWorkerStreamCost());
