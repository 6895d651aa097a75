/**
 * `npm run bench:soak` (RELIABILITY.md case 36): the gateway as `npm start` runs it, for ten minutes
 * (BENCH_SOAK_SECONDS), bursts of requests on every route family separated by idle gaps each longer
 * than one keep-alive timer on the way: the upstream's own (BENCH_UPSTREAM_KEEPALIVE_MS, 5 s like a
 * Node server's default), the gateway's upstream pool (30 s, src/entry/node-fetch.ts), cloudflared's
 * pool in front of the gateway (90 s; the client here keeps idle connections that long) and the
 * gateway's server (100 s, src/entry/node.ts). Counts stale-socket and any other failures (client side,
 * and model calls the usage ledger records as failed), samples the gateway's RSS and open file
 * descriptors, and reports the RSS slope (MB per hour, least squares after the warm-up burst) and the
 * descriptors at rest after each gap. Writes bench/results/soak.md; exits 1 when a request failed.
 * Env: BENCH_SOAK_SECONDS (default 600), BENCH_SOAK_GAPS (seconds, default 6,31,91,101, cycled),
 * BENCH_SOAK_BURST (requests per burst, default 40), BENCH_SOAK_SAMPLE_SECONDS (default 5).
 */
import { createClient } from '@libsql/client';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { cpuMilliseconds, freePort, rssMegabytes, startGateway, startScript } from './processes.ts';
import { linearFit, round } from './statistics.ts';

const soakSeconds = Number(process.env['BENCH_SOAK_SECONDS'] ?? '600');
const gaps = (process.env['BENCH_SOAK_GAPS'] ?? '6,31,91,101').split(',').map(Number);
const burstSize = Number(process.env['BENCH_SOAK_BURST'] ?? '40');
const sampleSeconds = Number(process.env['BENCH_SOAK_SAMPLE_SECONDS'] ?? '5');
const upstreamKeepAliveMs = 5_000;
/** cloudflared's origin pool keeps an idle connection 90 s; so does this client. */
const client = new Agent({ keepAliveTimeout: 90_000, keepAliveMaxTimeout: 90_000, connections: 8 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Sample {
  seconds: number;
  rss: number;
  descriptors: number;
}

const openDescriptors = async (pid: number) => (await readdir(`/proc/${String(pid)}/fd`)).length;

const upstream = await startScript('bench/upstream-server.ts', {
  BENCH_TOKENS: '20',
  BENCH_TOKEN_DELAY_MS: '1',
  BENCH_UPSTREAM_KEEPALIVE_MS: String(upstreamKeepAliveMs),
});
const directory = await mkdtemp(join(tmpdir(), 'edge-llm-soak-'));
const databasePath = join(directory, 'soak.db');
const gateway = await startGateway('node', await freePort(), upstream.url, {
  OPENAI_BASE_URL: `${upstream.url}/v1`,
  OPENAI_API_KEY: 'soak-key',
  OPENAI_MODELS: 'gpt-4o-mini',
  DATABASE_URL: `file:${databasePath}`,
}).catch(async (error: unknown) => {
  await upstream.stop();
  throw error;
});
const pid = gateway.child.pid!;

type Route = 'chat' | 'chat-stream' | 'generate-stream' | 'openai-stream';
const routes: Route[] = ['chat', 'chat-stream', 'generate-stream', 'openai-stream'];
const failures = new Map<string, number>();
let requests = 0;

function requestOf(route: Route): { path: string; body: unknown; ends: string | undefined } {
  switch (route) {
    case 'chat':
      return { path: '/api/chat', body: { message: 'Hi' }, ends: undefined };
    case 'chat-stream':
      return { path: '/api/chat/stream', body: { message: 'Hi' }, ends: '"done":true' };
    case 'generate-stream':
      return { path: '/api/generate', body: { prompt: 'Hi', stream: true }, ends: '"done":true' };
    case 'openai-stream':
      return {
        path: '/v1/chat/completions',
        body: { model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Hi' }] },
        ends: 'data: [DONE]',
      };
  }
}

async function send(route: Route): Promise<void> {
  const { path, body, ends } = requestOf(route);
  requests += 1;
  try {
    const response = await fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer unused' },
      body: JSON.stringify(body),
      dispatcher: client,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`status ${String(response.status)}`);
    if (ends !== undefined && !text.includes(ends)) throw new Error(`${route}: the stream did not end with its done event`);
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    const key = `${route}: ${error instanceof Error ? error.message : String(error)}${cause}`;
    failures.set(key, (failures.get(key) ?? 0) + 1);
  }
}

/** `burstSize` requests over every route, four at a time. */
async function burst(): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < burstSize) {
        const route = routes[next % routes.length] ?? 'chat';
        next += 1;
        await send(route);
      }
    }),
  );
}

const samples: Sample[] = [];
const atRest: { gapSeconds: number; descriptors: number; rss: number }[] = [];
const started = performance.now();
const elapsed = () => (performance.now() - started) / 1000;
const sample = async (): Promise<Sample> => {
  const taken = { seconds: elapsed(), rss: await rssMegabytes(pid), descriptors: await openDescriptors(pid) };
  samples.push(taken);
  return taken;
};

let exitCode = 0;
try {
  const cpuBefore = await cpuMilliseconds(pid);
  await burst();
  const warmedAt = elapsed();
  const sampler = setInterval(() => void sample(), sampleSeconds * 1000);
  let gapIndex = 0;
  while (elapsed() < soakSeconds) {
    const gapSeconds = gaps[gapIndex % gaps.length] ?? 6;
    gapIndex += 1;
    await sleep(Math.min(gapSeconds, Math.max(1, soakSeconds - elapsed())) * 1000);
    const rest = await sample();
    atRest.push({ gapSeconds, descriptors: rest.descriptors, rss: rest.rss });
    await burst();
  }
  clearInterval(sampler);
  await sample();
  const cpu = (await cpuMilliseconds(pid)) - cpuBefore;

  const inspector = createClient({ url: `file:${databasePath}` });
  const [usage] = (
    await inspector.execute(
      "select count(*) as calls, sum(outcome <> 'complete') as failed, sum(attempts > 1) as retried from usage",
    )
  ).rows;
  inspector.close();

  const afterWarmUp = samples.filter((point) => point.seconds >= warmedAt);
  const rssFit = linearFit(
    afterWarmUp.map((point) => point.seconds / 3600),
    afterWarmUp.map((point) => point.rss),
  );
  const restFit = linearFit(
    atRest.map((_, index) => index),
    atRest.map((point) => point.descriptors),
  );
  const failed = [...failures.values()].reduce((sum, count) => sum + count, 0);
  const upstreamFailed = Number(usage?.['failed'] ?? 0);
  const rssValues = afterWarmUp.map((point) => point.rss);
  const lines = [
    `# Soak — ${new Date().toISOString()}`,
    '',
    `Node ${process.version}, ${String(round(elapsed() / 60, 1))} minutes: bursts of ${String(burstSize)} requests (4 at a time over /api/chat, /api/chat/stream, /api/generate SSE, /v1/chat/completions SSE) separated by idle gaps of ${gaps.join(', ')} s, cycled.`,
    `Keep-alive timers on the way: the upstream's ${String(upstreamKeepAliveMs / 1000)} s, the gateway's upstream pool 30 s, the client's pool 90 s (as cloudflared's), the gateway's server 100 s.`,
    '',
    '## Invariants (all must be 0)',
    '',
    '| invariant | count |',
    '|---|---|',
    `| failed requests (stale sockets and any other) | ${String(failed)} |`,
    `| model calls the usage ledger records as failed | ${String(upstreamFailed)} |`,
    '',
    ...(failed > 0 ? ['Failures:', '', ...[...failures].map(([key, count]) => `- ${key}: ${String(count)}`), ''] : []),
    '## Figures',
    '',
    '| requests | model calls (usage rows) | calls retried | gaps | gateway CPU s | RSS after warm-up → end MB | RSS min / max MB | RSS slope MB/h (R²) | open fds at rest: first → last (min–max) | fd slope per gap |',
    '|---|---|---|---|---|---|---|---|---|---|',
    `| ${String(requests)} | ${String(Number(usage?.['calls'] ?? 0))} | ${String(Number(usage?.['retried'] ?? 0))} | ${String(atRest.length)} | ${String(round(cpu / 1000, 1))} | ${String(round(afterWarmUp[0]?.rss ?? Number.NaN, 1))} → ${String(round(afterWarmUp.at(-1)?.rss ?? Number.NaN, 1))} | ${String(round(Math.min(...rssValues), 1))} / ${String(round(Math.max(...rssValues), 1))} | ${String(round(rssFit.slope, 1))} (${String(round(rssFit.rSquared, 2))}) | ${String(atRest[0]?.descriptors)} → ${String(atRest.at(-1)?.descriptors)} (${String(Math.min(...atRest.map((point) => point.descriptors)))}–${String(Math.max(...atRest.map((point) => point.descriptors)))}) | ${String(round(restFit.slope, 2))} |`,
    '',
    'At rest (sampled at the end of each gap, before the next burst):',
    '',
    '| gap s | open fds | RSS MB |',
    '|---|---|---|',
    ...atRest.map((point) => `| ${String(point.gapSeconds)} | ${String(point.descriptors)} | ${String(round(point.rss, 1))} |`),
    '',
  ];
  const text = lines.join('\n');
  console.log(text);
  await writeFile('bench/results/soak.md', text);
  if (failed > 0 || upstreamFailed > 0) exitCode = 1;
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  exitCode = 1;
} finally {
  await client.close();
  await gateway.stop();
  await upstream.stop();
  await rm(directory, { recursive: true, force: true });
}
process.exit(exitCode);
