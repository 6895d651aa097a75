/**
 * `npm run bench:chaos` (RELIABILITY.md case 34): 200 concurrent streams, half /api/chat/stream and half
 * /v1/chat/completions (stored with X-Conversation-Id: new), against a fake upstream scripted per
 * request from a seed: 10 % client aborts at random points, 10 % upstream resets mid-stream, 5 % 503s
 * before the first token with a fallback in the alias's chain. The gateway runs as `npm start` runs it,
 * with rate limits on (so stream leases are taken) and a database file; afterwards the invariants are
 * checked by SQL on that file, and the gateway's CPU and RSS reported. Bounded in time; exits 1 when an
 * invariant is violated. Writes bench/results/chaos.md.
 * Env: BENCH_CHAOS_STREAMS (default 200), BENCH_CHAOS_SEED (default from the clock; printed, to replay a
 * run), BENCH_CHAOS_TIMEOUT_SECONDS (default 120), BENCH_RUNTIME (node | bun).
 */
import { createClient } from '@libsql/client';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkChaosInvariants, waitForQuiet, type ChaosInvariants, type Query } from './chaos-invariants.ts';
import { runChaosLoad } from './chaos-load.ts';
import { chaosPlan } from './chaos-plan.ts';
import { startChaosUpstream } from './chaos-upstream.ts';
import { cpuMilliseconds, freePort, peakRssMegabytes, rssMegabytes, startGateway, type Runtime } from './processes.ts';
import { round, summarize } from './statistics.ts';

const streams = Number(process.env['BENCH_CHAOS_STREAMS'] ?? '200');
const seed = Number(process.env['BENCH_CHAOS_SEED'] ?? String(Date.now() % 1_000_000));
const timeoutSeconds = Number(process.env['BENCH_CHAOS_TIMEOUT_SECONDS'] ?? '120');
const runtime = (process.env['BENCH_RUNTIME'] ?? 'node') as Runtime;

/** The run's limits: rate limiting on, high enough never to refuse, so every stream takes and frees a lease. */
const limitsEnvironment = { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_REQUESTS: '1000000', RATE_LIMIT_STREAMS: '100000' };

function report(invariants: ChaosInvariants, figures: Record<string, string>): string {
  const failed = Object.values(invariants.violations).some((count) => count > 0);
  const lines = [
    `# Chaos — ${new Date().toISOString()}`,
    '',
    `${String(streams)} concurrent streams on ${runtime} (${process.version}), seed ${String(seed)} (replay: \`BENCH_CHAOS_SEED=${String(seed)} npm run bench:chaos\`).`,
    'Half /api/chat/stream, half /v1/chat/completions with X-Conversation-Id: new; the alias `chaos` falls back from Ollama (NDJSON) to an OpenAI-compatible provider (SSE).',
    'Rate limits on (leases taken and freed), a libSQL file; invariants checked by SQL on that file after the last write.',
    '',
    '## Invariants (violations; all must be 0)',
    '',
    '| invariant | violations |',
    '|---|---|',
    ...Object.entries(invariants.violations).map(([name, count]) => `| ${name} | ${String(count)} |`),
    '',
    ...(failed
      ? [
          'Examples:',
          '',
          ...Object.entries(invariants.examples).flatMap(([name, list]) => list.map((item) => `- ${name}: ${item}`)),
          '',
        ]
      : []),
    '## Outcomes by planned fault',
    '',
    '| fault | requests | 200 | client saw done | stored complete | stored aborted | stored error | nothing stored |',
    '|---|---|---|---|---|---|---|---|',
    ...(['none', 'client-abort', 'upstream-reset', 'upstream-503'] as const)
      .map((fault) => [fault, invariants.outcomes[fault] ?? {}] as const)
      .map(
        ([fault, counts]) =>
          `| ${fault} | ${String(counts['requests'] ?? 0)} | ${String(counts['200'] ?? 0)} | ${String(counts['done'] ?? 0)} | ${String(counts['complete'] ?? 0)} | ${String(counts['aborted'] ?? 0)} | ${String(counts['error'] ?? 0)} | ${String(counts['nothing'] ?? 0)} |`,
      ),
    '',
    '## Gateway',
    '',
    `| ${Object.keys(figures).join(' | ')} |`,
    `|${Object.keys(figures)
      .map(() => '---')
      .join('|')}|`,
    `| ${Object.values(figures).join(' | ')} |`,
    '',
  ];
  return lines.join('\n');
}

const plans = chaosPlan(seed, streams);
const upstream = await startChaosUpstream(seed, plans);
const directory = await mkdtemp(join(tmpdir(), 'edge-llm-chaos-'));
const databasePath = join(directory, 'chaos.db');
const gateway = await startGateway(runtime, await freePort(), upstream.primaryUrl, {
  ...upstream.environment,
  ...limitsEnvironment,
  DATABASE_URL: `file:${databasePath}`,
}).catch(async (error: unknown) => {
  await upstream.close();
  throw error;
});
const inspector = createClient({ url: `file:${databasePath}` });
const query: Query = async <T>(statement: string, args: (string | number | null)[] = []) =>
  (await inspector.execute({ sql: statement, args })).rows.map((row) => ({ ...row }) as T);

let exitCode = 0;
try {
  const pid = gateway.child.pid!;
  const rssBefore = await rssMegabytes(pid);
  const cpuBefore = await cpuMilliseconds(pid);
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const results = await Promise.race([
    runChaosLoad(gateway.url, plans),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the chaos run took longer than ${String(timeoutSeconds)} s`)),
        timeoutSeconds * 1000,
      );
    }),
  ]);
  const loadSeconds = (performance.now() - started) / 1000;
  await waitForQuiet(query, 30_000);
  clearTimeout(timer);
  const settledSeconds = (performance.now() - started) / 1000;
  const cpu = (await cpuMilliseconds(pid)) - cpuBefore;
  const invariants = await checkChaosInvariants(query, plans, results, upstream.calls);
  const headers = summarize(results.flatMap((result) => (result.headersMs === undefined ? [] : [result.headersMs])));
  const firstText = summarize(results.flatMap((result) => (result.firstTextMs === undefined ? [] : [result.firstTextMs])));
  const text = report(invariants, {
    streams: String(streams),
    'wall s (clients done)': String(round(loadSeconds, 2)),
    'wall s (last write)': String(round(settledSeconds, 2)),
    'gateway CPU s': String(round(cpu / 1000, 2)),
    'CPU ms per stream': String(round(cpu / streams, 2)),
    'headers p50 / p99 ms': `${String(round(headers.p50, 0))} / ${String(round(headers.p99, 0))}`,
    'first text p50 / p99 ms': `${String(round(firstText.p50, 0))} / ${String(round(firstText.p99, 0))}`,
    'RSS before MB': String(round(rssBefore, 1)),
    'peak RSS MB': String(round(await peakRssMegabytes(pid), 1)),
    'RSS after MB': String(round(await rssMegabytes(pid), 1)),
  });
  console.log(text);
  await writeFile('bench/results/chaos.md', text);
  if (Object.values(invariants.violations).some((count) => count > 0)) exitCode = 1;
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  exitCode = 1;
} finally {
  inspector.close();
  await gateway.stop();
  await upstream.close();
  await rm(directory, { recursive: true, force: true });
}
process.exit(exitCode);
