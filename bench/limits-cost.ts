/**
 * What the limits cost per request (issue: usage and limits): two gateways on Node as `npm start` runs
 * them, on their own databases, one with RATE_LIMIT_ENABLED (limits high enough never to refuse: every
 * call still takes its window, its stream lease and its token count) and one without, measured in
 * interleaved rounds on POST /api/generate, JSON and SSE. `npm run bench` runs it after the scale cases.
 */
import { jsonLoad, streamLoad } from './load.ts';
import { cpuMilliseconds, startGateway, startScript, type RunningProcess } from './processes.ts';
import { round } from './statistics.ts';

const seconds = Number(process.env['BENCH_SECONDS'] ?? '2');
const rounds = 3;

interface Cell {
  cpuMs: number;
  requests: number;
  p50: number[];
}

const limitsOn = {
  RATE_LIMIT_ENABLED: 'true',
  RATE_LIMIT_REQUESTS: '1000000',
  RATE_LIMIT_STREAMS: '10000',
  RATE_LIMIT_TOKENS_PER_DAY: '1000000000000',
};

async function measure(gateway: RunningProcess, stream: boolean, concurrency: number, cell: Cell): Promise<void> {
  const pid = gateway.child.pid ?? 0;
  const before = await cpuMilliseconds(pid);
  const request = { url: `${gateway.url}/api/generate`, body: { prompt: 'Hi', stream } };
  if (stream) {
    const result = await streamLoad(request, concurrency, seconds, 50_000);
    cell.requests += result.requests;
    cell.p50.push(result.total.p50);
  } else {
    const result = await jsonLoad(request, concurrency, seconds);
    cell.requests += result.requests;
    cell.p50.push(result.p50);
  }
  cell.cpuMs += (await cpuMilliseconds(pid)) - before;
}

const perRequest = (cell: Cell) => cell.cpuMs / Math.max(1, cell.requests);
const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);

export async function runLimitsCost(): Promise<string> {
  const upstream = await startScript('bench/upstream-server.ts');
  const upstreamUrl = upstream.firstLine.trim();
  const off = await startGateway('node', 18793, upstreamUrl);
  const on = await startGateway('node', 18794, upstreamUrl, limitsOn);
  const lines = [
    '## Limits on and off',
    '',
    `POST /api/generate against the fake upstream (20 tokens), ${String(rounds)} interleaved rounds of ${String(seconds)} s; one gateway with RATE_LIMIT_ENABLED (limits never reached: each call takes its window, a stream lease, its token count), one without.`,
    '',
    '| request, concurrency | limits off: CPU per request, p50 | limits on: CPU per request, p50 | added CPU |',
    '|---|---|---|---|',
  ];
  try {
    const gateways = [off, on];
    for (const [stream, concurrency] of [
      [false, 1],
      [false, 16],
      [true, 16],
    ] as const) {
      const cells = [0, 1].map((): Cell => ({ cpuMs: 0, requests: 0, p50: [] }));
      await measure(off, stream, 4, { cpuMs: 0, requests: 0, p50: [] }); // warm-up
      await measure(on, stream, 4, { cpuMs: 0, requests: 0, p50: [] });
      for (let index = 0; index < rounds; index += 1) {
        const order = index % 2 === 0 ? [0, 1] : [1, 0];
        for (const which of order)
          await measure(gateways[which] ?? off, stream, concurrency, cells[which] ?? { cpuMs: 0, requests: 0, p50: [] });
      }
      const [offCell, onCell] = cells as [Cell, Cell];
      lines.push(
        `| ${stream ? 'SSE' : 'JSON'}, ${String(concurrency)} | ${String(round(perRequest(offCell), 3))} ms, ${String(round(mean(offCell.p50)))} ms | ${String(round(perRequest(onCell), 3))} ms, ${String(round(mean(onCell.p50)))} ms | ${String(round(perRequest(onCell) - perRequest(offCell), 3))} ms |`,
      );
    }
  } finally {
    await Promise.all([off.stop(), on.stop(), upstream.stop()]);
  }
  lines.push('', 'Command: `npm run bench` (or `node --experimental-strip-types bench/limits-cost.ts` alone).', '');
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) console.log(await runLimitsCost());
