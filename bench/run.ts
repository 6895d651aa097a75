/**
 * `npm run bench`: what the gateway costs against the upstream alone, and against the Portkey gateway,
 * side by side in one run. Targets are measured interleaved (A, B, … then …, B, A) so machine noise
 * hits all alike; requests go only to 127.0.0.1; every loop is bounded in time and count. Gateways
 * (ours on Node and Bun, Portkey) call the same fake upstream: Ollama's /api/chat for our Ollama
 * routes, OpenAI's /v1/chat/completions for every /v1/chat/completions route. Writes
 * bench/results/latest.md, then every provider path on 32- and 500-token answers (bench/provider-paths.ts),
 * the Worker's CPU on workerd for a 2,000-token stream (bench/worker-stream-cost.ts) and the scale cases
 * (bench/scale-*.ts, bench/limits-cost.ts, bench/auth-cost.ts).
 * Env: BENCH_SECONDS (per target and round, default 2), BENCH_CONCURRENCY (default 1,16,64),
 * BENCH_SKIP_SCALE=1 (stop after the comparison tables: print them, leave latest.md untouched).
 * Every section also runs alone: `node --experimental-strip-types bench/<file>.ts` after `npm run build:server`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { answerProblem, jsonLoad, streamLoad } from './load.ts';
import { cpuMilliseconds, peakRssMegabytes, rssMegabytes, startGateway, startPortkey, startScript } from './processes.ts';
import {
  againstPortkey,
  comparisonTables,
  memoryTable,
  resultKey,
  type Measurement,
  type MemoryRow,
  type Target,
} from './report.ts';
import { runAuthCost } from './auth-cost.ts';
import { runLimitsCost } from './limits-cost.ts';
import { runProviderPaths } from './provider-paths.ts';
import { runHistoryScale } from './scale-history.ts';
import { runStreamScale } from './scale-streams.ts';
import { runUsageScale } from './scale-usage.ts';
import { runWorkerStreamCost } from './worker-stream-cost.ts';

const segmentSeconds = Number(process.env['BENCH_SECONDS'] ?? '2');
const concurrencies = (process.env['BENCH_CONCURRENCY'] ?? '1,16,64').split(',').map(Number);
const skipScale = process.env['BENCH_SKIP_SCALE'] === '1';
const rounds = 2;
const portkeyVersion = (JSON.parse(readFileSync('node_modules/@portkey-ai/gateway/package.json', 'utf8')) as { version: string })
  .version;

const upstream = await startScript('bench/upstream-server.ts');
const upstreamUrl = upstream.firstLine.trim();
/** Our gateways reach the OpenAI upstream as the built-in `openai` provider. */
const openAiEnv = { OPENAI_BASE_URL: `${upstreamUrl}/v1`, OPENAI_API_KEY: 'bench-key', OPENAI_MODELS: 'gpt-4o-mini' };
const nodeGateway = await startGateway('node', 18787, upstreamUrl, openAiEnv).catch(async (error: unknown) => {
  await upstream.stop();
  throw error;
});
const bunGateway = existsSync('src/entry/bun.ts')
  ? await startGateway('bun', 18788, upstreamUrl, openAiEnv).catch(() => undefined)
  : undefined;
/** The libraries the gateway is built on, alone (bench/library-floor-server.ts): JSON rows only. */
const libraryFloor = await startScript(
  'bench/library-floor-server.ts',
  { UPSTREAM_URL: upstreamUrl },
  { serveFlags: true },
).catch((error: unknown) => {
  console.error(`library floor not measured: ${String(error)}`);
  return undefined;
});
const portkey = await startPortkey(18791).catch((error: unknown) => {
  console.error(`Portkey not measured: ${String(error)}`);
  return undefined;
});

const messages = [{ role: 'user', content: 'Hi' }];
const ollamaBody = (stream: boolean) => ({ model: 'llama3.2', messages, stream });
const openAiBody = (model: string, stream: boolean) => (stream ? { model, messages, stream: true } : { model, messages });
const gateways = [{ label: 'Node', process: nodeGateway }, ...(bunGateway ? [{ label: 'Bun', process: bunGateway }] : [])];
const targets: Target[] = (['json', 'stream'] as const).flatMap((kind): Target[] => {
  const stream = kind === 'stream';
  const sse = stream ? ' SSE' : '';
  return [
    {
      name: `upstream direct (Ollama /api/chat${stream ? ' NDJSON stream' : ''})`,
      kind,
      upstream: 'ollama',
      server: 'direct',
      url: `${upstreamUrl}/api/chat`,
      body: ollamaBody(stream),
    },
    ...gateways.flatMap(({ label, process }): Target[] => [
      {
        name: `${label} /api/generate${sse}`,
        kind,
        upstream: 'ollama',
        server: label,
        url: `${process.url}/api/generate`,
        body: stream ? { prompt: 'Hi', stream: true } : { prompt: 'Hi' },
        process,
      },
      {
        name: `${label} /api/chat${stream ? '/stream' : ''} (history write)`,
        kind,
        upstream: 'ollama',
        server: label,
        url: `${process.url}/api/chat${stream ? '/stream' : ''}`,
        body: { message: 'Hi' },
        process,
      },
    ]),
    ...(libraryFloor && !stream
      ? [
          {
            name: 'library floor: Hono + ollama-ai-provider-v2 doStream',
            kind,
            upstream: 'ollama',
            server: 'floor',
            url: `${libraryFloor.url}/api/generate`,
            body: { prompt: 'Hi' },
            process: libraryFloor,
          } satisfies Target,
        ]
      : []),
    {
      name: `upstream direct (OpenAI /v1/chat/completions${sse})`,
      kind,
      upstream: 'openai',
      server: 'direct',
      url: `${upstreamUrl}/v1/chat/completions`,
      body: openAiBody('gpt-4o-mini', stream),
    },
    ...gateways.map(({ label, process }): Target => ({
      name: `${label} /v1/chat/completions${sse}`,
      kind,
      upstream: 'openai',
      server: label,
      url: `${process.url}/v1/chat/completions`,
      body: openAiBody('openai/gpt-4o-mini', stream),
      process,
    })),
    ...(libraryFloor && !stream
      ? (['stream', 'generate'] as const).map((call): Target => ({
          name: `library floor: Hono + @ai-sdk/openai ${call === 'stream' ? 'doStream' : 'doGenerate (upstream JSON)'}`,
          kind,
          upstream: 'openai',
          server: 'floor',
          url: `${libraryFloor.url}/v1/chat/completions?call=${call}`,
          body: openAiBody('gpt-4o-mini', false),
          process: libraryFloor,
        }))
      : []),
    ...(portkey
      ? [
          {
            name: `Portkey /v1/chat/completions${sse}`,
            kind,
            upstream: 'openai',
            server: 'Portkey',
            url: `${portkey.url}/v1/chat/completions`,
            headers: {
              'x-portkey-provider': 'openai',
              'x-portkey-custom-host': `${upstreamUrl}/v1`,
              authorization: 'Bearer test',
            },
            body: openAiBody('gpt-4o-mini', stream),
            process: portkey,
          } satisfies Target,
        ]
      : []),
  ];
});

const results = new Map<string, Measurement>();
const report: string[] = [];
/** /proc readings of a process that has died read as NaN rather than ending the run. */
const orNaN = (reading: Promise<number>) => reading.catch(() => Number.NaN);

async function measure(target: Target, concurrency: number): Promise<void> {
  const pid = (target.process ?? upstream).child.pid!;
  const cpuBefore = await orNaN(cpuMilliseconds(pid));
  const entry = results.get(resultKey(target, concurrency)) ?? {
    rps: [],
    p50: [],
    p99: [],
    firstTokenP50: [],
    firstTokenP99: [],
    cpuMs: 0,
    requests: 0,
    errors: 0,
  };
  if (target.kind === 'json') {
    const result = await jsonLoad(target, concurrency, segmentSeconds);
    entry.rps.push(result.requestsPerSecond);
    entry.p50.push(result.p50);
    entry.p99.push(result.p99);
    entry.requests += result.requests;
    entry.errors += result.errors;
  } else {
    const result = await streamLoad(target, concurrency, segmentSeconds, 20_000);
    entry.rps.push(result.requests / segmentSeconds);
    entry.p50.push(result.total.p50);
    entry.p99.push(result.total.p99);
    entry.firstTokenP50.push(result.firstToken.p50);
    entry.firstTokenP99.push(result.firstToken.p99);
    entry.requests += result.requests;
    entry.errors += result.errors;
  }
  entry.cpuMs += (await orNaN(cpuMilliseconds(pid))) - cpuBefore;
  results.set(resultKey(target, concurrency), entry);
}

/** One request per target before measuring: a 200 whose answer holds the fake upstream's last token. */
const checkAnswer = (target: Target) => answerProblem(target, target.name, (text) => text.includes('word19'));

try {
  const failedChecks = (await Promise.all(targets.map(checkAnswer))).filter((problem) => problem !== undefined);
  for (const problem of failedChecks) console.error(`answer check failed: ${problem}`);
  // Warm up every target (JIT, connection pools, database pages).
  for (const target of targets) await measure(target, 4);
  results.clear();
  const measured = [...gateways, ...(portkey ? [{ label: 'Portkey', process: portkey }] : [])];
  const rssBefore = new Map<string, number>();
  for (const gateway of measured) rssBefore.set(gateway.label, await orNaN(rssMegabytes(gateway.process.child.pid!)));

  for (const concurrency of concurrencies) {
    for (let index = 0; index < rounds; index += 1) {
      const order = index % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) await measure(target, concurrency);
    }
  }

  const memoryRows: MemoryRow[] = await Promise.all(
    measured.map(async ({ label, process }) => {
      const pid = process.child.pid!;
      const [after, peak] = await Promise.all([orNaN(rssMegabytes(pid)), orNaN(peakRssMegabytes(pid))]);
      return { label, rss: { before: rssBefore.get(label) ?? Number.NaN, after, peak } };
    }),
  );
  if (!portkey) memoryRows.push({ label: 'Portkey', rss: undefined });
  const lines: string[] = [
    `# Benchmark — ${new Date().toISOString()}`,
    '',
    `Node ${process.version}${bunGateway ? ', Bun from npm' : ''}${portkey ? `, Portkey gateway ${portkeyVersion}` : ''}; ${String(rounds)} interleaved rounds of ${String(segmentSeconds)} s per target and concurrency; fake upstream answers 20 tokens with no delay.`,
    "Latency columns are the mean over rounds of each round's percentile, in ms. CPU is the serving process's user+system time per completed request (the gateway's for gateway rows, the upstream's for direct rows). \"Added\" columns compare with the direct target of the same upstream protocol (Ollama rows with Ollama direct, OpenAI rows with OpenAI direct).",
    ...(libraryFloor
      ? [
          '"Library floor" rows (non-streaming only) are the libraries this API is built on, alone: Hono on Node, the gateway\'s Node upstream fetch and one AI SDK provider call per request, with none of the gateway\'s own work (bench/library-floor-server.ts). The doStream rows are the call the gateway makes; the doGenerate row is what a non-streaming upstream call would cost instead (the gateway streams from the upstream even for JSON answers: its header, first-token and token-gap limits and its fallbacks before the first token depend on it).',
        ]
      : []),
    '',
    ...(failedChecks.length > 0
      ? ['**Answer check failed** (these rows measure errors):', '', ...failedChecks.map((problem) => `- ${problem}`), '']
      : []),
    ...comparisonTables(targets, results, concurrencies),
    ...againstPortkey(targets, results, concurrencies, portkeyVersion),
    ...memoryTable(memoryRows),
    'Command: `npm run bench` (BENCH_SECONDS, BENCH_CONCURRENCY to change the run).',
    '',
  ];
  report.push(lines.join('\n'));
  console.log(lines.join('\n'));
} finally {
  await Promise.all([nodeGateway.stop(), bunGateway?.stop(), portkey?.stop(), libraryFloor?.stop(), upstream.stop()]);
}

// Every provider path on 32- and 500-token answers, then the scale cases, each alone so they do not
// share the machine with the comparison above.
if (!skipScale) {
  for (const scaleCase of [
    runProviderPaths,
    runWorkerStreamCost,
    runStreamScale,
    runHistoryScale,
    runUsageScale,
    runLimitsCost,
    runAuthCost,
  ]) {
    const section = await scaleCase();
    console.log(section);
    report.push(section);
  }
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/latest.md', `${report.join('\n')}\n`);
}
