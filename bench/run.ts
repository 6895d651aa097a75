/**
 * `npm run bench`: the gateway's added latency against the fake upstream alone, measured sequentially
 * (concurrency 1) and interleaved (A, B, B, A) so machine noise hits both alike. Only 127.0.0.1;
 * every loop is bounded. Writes bench/results/latest.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpuMilliseconds, rssMegabytes, startGateway, startScript } from './processes.ts';
import { round, summarize, type Summary } from './statistics.ts';

const calls = Number(process.env['BENCH_CALLS'] ?? '200');
const warmup = 50;
const gatewayPort = Number(process.env['BENCH_PORT'] ?? '18787');

type Target = { name: string; call: () => Promise<void> };

const post = async (url: string, body: unknown) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${url} answered ${String(response.status)}`);
  await response.arrayBuffer();
};

async function measureInterleaved(targets: Target[], rounds: number): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>(targets.map((target) => [target.name, []]));
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const target of order) {
      const started = performance.now();
      await target.call();
      samples.get(target.name)!.push(performance.now() - started);
    }
  }
  return samples;
}

const upstream = await startScript('bench/fake-upstream-server.ts');
const upstreamUrl = upstream.firstLine.trim();
const gateway = await startGateway(gatewayPort, upstreamUrl);
const gatewayUrl = `http://127.0.0.1:${String(gatewayPort)}`;

try {
  const direct: Target = {
    name: 'upstream direct (Ollama /api/chat, streamed NDJSON)',
    call: () => post(`${upstreamUrl}/api/chat`, { model: 'llama3.2', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
  };
  const generate: Target = { name: 'gateway /api/generate', call: () => post(`${gatewayUrl}/api/generate`, { prompt: 'Hi' }) };
  const chat: Target = {
    name: 'gateway /api/chat (new conversation, history write)',
    call: () => post(`${gatewayUrl}/api/chat`, { message: 'Hi' }),
  };
  const targets = [direct, generate, chat];

  await measureInterleaved(targets, warmup);
  const gatewayPid = gateway.child.pid!;
  const cpuBefore = await cpuMilliseconds(gatewayPid);
  const rssBefore = await rssMegabytes(gatewayPid);
  const samples = await measureInterleaved(targets, calls);
  const cpuAfter = await cpuMilliseconds(gatewayPid);
  const rssAfter = await rssMegabytes(gatewayPid);

  const summaries = new Map<string, Summary>([...samples].map(([name, values]) => [name, summarize(values)]));
  const base = summaries.get(direct.name)!;
  const lines = [
    `# Benchmark (${new Date().toISOString()}, Node ${process.version}, ${String(calls)} calls each, concurrency 1, 20 tokens)`,
    '',
    '| target | p50 ms | p99 ms | added p50 ms | added p99 ms |',
    '|---|---|---|---|---|',
    ...[...summaries].map(
      ([name, summary]) =>
        `| ${name} | ${String(round(summary.p50))} | ${String(round(summary.p99))} | ${name === direct.name ? '—' : String(round(summary.p50 - base.p50))} | ${name === direct.name ? '—' : String(round(summary.p99 - base.p99))} |`,
    ),
    '',
    `Gateway CPU per gateway request (both routes averaged): ${String(round((cpuAfter - cpuBefore) / (calls * 2)))} ms; RSS ${String(round(rssBefore, 1))} MB before, ${String(round(rssAfter, 1))} MB after.`,
    '',
    'Command: `npm run bench` (BENCH_CALLS to change the number of calls).',
  ];
  const report = lines.join('\n');
  console.log(report);
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/latest.md', `${report}\n`);
} finally {
  await gateway.stop();
  await upstream.stop();
}
