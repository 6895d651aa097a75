/**
 * `npm run bench`: what the gateway costs against the upstream alone, side by side in one run.
 * Targets are measured interleaved (A, B, … then …, B, A) so machine noise hits all alike; only
 * 127.0.0.1; every loop is bounded in time and count. Writes bench/results/latest.md, then runs the
 * scale cases (bench/scale-streams.ts, bench/scale-history.ts).
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { jsonLoad, streamLoad } from './load.ts';
import { cpuMilliseconds, peakRssMegabytes, rssMegabytes, startGateway, startScript, type RunningProcess } from './processes.ts';
import { runHistoryScale } from './scale-history.ts';
import { runStreamScale } from './scale-streams.ts';
import { round } from './statistics.ts';

const segmentSeconds = Number(process.env['BENCH_SECONDS'] ?? '2');
const concurrencies = (process.env['BENCH_CONCURRENCY'] ?? '1,16,64').split(',').map(Number);
const rounds = 2;

interface Target {
  name: string;
  kind: 'json' | 'stream';
  url: string;
  body: unknown;
  /** The process whose CPU is charged to this target (undefined: the upstream itself). */
  process?: RunningProcess | undefined;
}

interface Measurement {
  rps: number[];
  p50: number[];
  p99: number[];
  firstByteP50: number[];
  firstByteP99: number[];
  cpuMs: number;
  requests: number;
  errors: number;
}

const upstream = await startScript('bench/upstream-server.ts');
const upstreamUrl = upstream.firstLine.trim();
const nodeGateway = await startGateway('node', 18787, upstreamUrl);
const bunGateway = existsSync('src/entry/bun.ts')
  ? await startGateway('bun', 18788, upstreamUrl).catch(() => undefined)
  : undefined;

const ollamaBody = (stream: boolean) => ({ model: 'llama3.2', messages: [{ role: 'user', content: 'Hi' }], stream });
const gateways = [{ label: 'Node', process: nodeGateway }, ...(bunGateway ? [{ label: 'Bun', process: bunGateway }] : [])];
const targets: Target[] = [
  { name: 'upstream direct (Ollama /api/chat)', kind: 'json', url: `${upstreamUrl}/api/chat`, body: ollamaBody(false) },
  ...gateways.flatMap(({ label, process }): Target[] => [
    { name: `${label} /api/generate`, kind: 'json', url: `${process.url}/api/generate`, body: { prompt: 'Hi' }, process },
    {
      name: `${label} /api/chat (history write)`,
      kind: 'json',
      url: `${process.url}/api/chat`,
      body: { message: 'Hi' },
      process,
    },
  ]),
  {
    name: 'upstream direct (Ollama /api/chat NDJSON stream)',
    kind: 'stream',
    url: `${upstreamUrl}/api/chat`,
    body: ollamaBody(true),
  },
  ...gateways.flatMap(({ label, process }): Target[] => [
    {
      name: `${label} /api/generate SSE`,
      kind: 'stream',
      url: `${process.url}/api/generate`,
      body: { prompt: 'Hi', stream: true },
      process,
    },
    {
      name: `${label} /api/chat/stream (history write)`,
      kind: 'stream',
      url: `${process.url}/api/chat/stream`,
      body: { message: 'Hi' },
      process,
    },
  ]),
];

const results = new Map<string, Measurement>();
const report: string[] = [];
const key = (target: Target, concurrency: number) => `${target.name}@${String(concurrency)}`;

async function measure(target: Target, concurrency: number): Promise<void> {
  const pid = (target.process ?? upstream).child.pid!;
  const cpuBefore = await cpuMilliseconds(pid);
  const entry = results.get(key(target, concurrency)) ?? {
    rps: [],
    p50: [],
    p99: [],
    firstByteP50: [],
    firstByteP99: [],
    cpuMs: 0,
    requests: 0,
    errors: 0,
  };
  if (target.kind === 'json') {
    const result = await jsonLoad(target.url, target.body, concurrency, segmentSeconds);
    entry.rps.push(result.requestsPerSecond);
    entry.p50.push(result.p50);
    entry.p99.push(result.p99);
    entry.requests += result.requests;
    entry.errors += result.errors;
  } else {
    const result = await streamLoad(target.url, target.body, concurrency, segmentSeconds, 20_000);
    entry.rps.push(result.requests / segmentSeconds);
    entry.p50.push(result.total.p50);
    entry.p99.push(result.total.p99);
    entry.firstByteP50.push(result.firstByte.p50);
    entry.firstByteP99.push(result.firstByte.p99);
    entry.requests += result.requests;
    entry.errors += result.errors;
  }
  entry.cpuMs += (await cpuMilliseconds(pid)) - cpuBefore;
  results.set(key(target, concurrency), entry);
}

const mean = (values: number[]) =>
  values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;

try {
  // Warm up every target (JIT, connection pools, database pages).
  for (const target of targets) await measure(target, 4);
  results.clear();
  const rssBefore = new Map<string, number>();
  for (const gateway of gateways) rssBefore.set(gateway.label, await rssMegabytes(gateway.process.child.pid!));

  for (const concurrency of concurrencies) {
    for (let index = 0; index < rounds; index += 1) {
      const order = index % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) await measure(target, concurrency);
    }
  }

  const lines: string[] = [
    `# Benchmark — ${new Date().toISOString()}`,
    '',
    `Node ${process.version}${bunGateway ? ', Bun from npm' : ''}; ${String(rounds)} interleaved rounds of ${String(segmentSeconds)} s per target and concurrency; fake upstream answers 20 tokens with no delay.`,
    "Latency columns are the mean over rounds of each round's percentile, in ms. CPU is the serving process's user+system time per completed request (the gateway's for gateway rows, the upstream's for direct rows).",
    '',
  ];
  for (const kind of ['json', 'stream'] as const) {
    lines.push(
      kind === 'json' ? '## Non-streaming' : '## Streaming',
      '',
      kind === 'json'
        ? '| target | conc. | req/s | p50 | p99 | added p50 | CPU ms/req | errors |'
        : '| target | conc. | streams/s | first byte p50 | first byte p99 | total p50 | total p99 | added first byte p50 | CPU ms/req | errors |',
      kind === 'json' ? '|---|---|---|---|---|---|---|---|' : '|---|---|---|---|---|---|---|---|---|---|',
    );
    const direct = targets.find((target) => target.kind === kind && target.process === undefined)!;
    for (const concurrency of concurrencies) {
      const base = results.get(key(direct, concurrency))!;
      for (const target of targets.filter((candidate) => candidate.kind === kind)) {
        const entry = results.get(key(target, concurrency))!;
        const cpu = round(entry.cpuMs / Math.max(1, entry.requests), 3);
        const isDirect = target === direct;
        if (kind === 'json') {
          const added = isDirect ? '—' : String(round(mean(entry.p50) - mean(base.p50)));
          lines.push(
            `| ${target.name} | ${String(concurrency)} | ${String(round(mean(entry.rps), 0))} | ${String(round(mean(entry.p50)))} | ${String(round(mean(entry.p99)))} | ${added} | ${String(cpu)} | ${String(entry.errors)} |`,
          );
        } else {
          const added = isDirect ? '—' : String(round(mean(entry.firstByteP50) - mean(base.firstByteP50)));
          lines.push(
            `| ${target.name} | ${String(concurrency)} | ${String(round(mean(entry.rps), 0))} | ${String(round(mean(entry.firstByteP50)))} | ${String(round(mean(entry.firstByteP99)))} | ${String(round(mean(entry.p50)))} | ${String(round(mean(entry.p99)))} | ${added} | ${String(cpu)} | ${String(entry.errors)} |`,
          );
        }
      }
    }
    lines.push('');
  }
  lines.push('## Gateway memory (RSS, MB)', '', '| gateway | before | after | peak |', '|---|---|---|---|');
  for (const gateway of gateways) {
    const pid = gateway.process.child.pid!;
    lines.push(
      `| ${gateway.label} | ${String(round(rssBefore.get(gateway.label) ?? Number.NaN, 1))} | ${String(round(await rssMegabytes(pid), 1))} | ${String(round(await peakRssMegabytes(pid), 1))} |`,
    );
  }
  lines.push('', 'Command: `npm run bench` (BENCH_SECONDS, BENCH_CONCURRENCY to change the run).', '');
  report.push(lines.join('\n'));
  console.log(lines.join('\n'));
} finally {
  await Promise.all([nodeGateway.stop(), bunGateway?.stop(), upstream.stop()]);
}

// Scale cases run alone so they do not share the machine with the comparison above.
for (const scaleCase of [runStreamScale, runHistoryScale]) {
  const section = await scaleCase();
  console.log(section);
  report.push(section);
}
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/latest.md', `${report.join('\n')}\n`);
