/** The Markdown tables of `npm run bench`'s comparison run (bench/run.ts), from its measurements. */
import type { LoadRequest } from './load.ts';
import type { RunningProcess } from './processes.ts';
import { round } from './statistics.ts';

export interface Target extends LoadRequest {
  name: string;
  kind: 'json' | 'stream';
  /** The upstream protocol the request ends on; "added" columns compare with the direct target of the same one. */
  upstream: 'ollama' | 'openai';
  /** Who serves the request: 'direct' (the upstream alone) or a gateway's label (Node, Bun, Portkey). */
  server: string;
  /** The process whose CPU is charged to this target (undefined: the upstream itself). */
  process?: RunningProcess | undefined;
}

export interface Measurement {
  rps: number[];
  p50: number[];
  p99: number[];
  firstTokenP50: number[];
  firstTokenP99: number[];
  cpuMs: number;
  requests: number;
  errors: number;
}

export type Results = Map<string, Measurement>;

export const resultKey = (target: Target, concurrency: number) => `${target.name}@${String(concurrency)}`;

const mean = (values: number[]) =>
  values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
const show = (value: number, digits = 2) => String(round(value, digits));
const cpuPerRequest = (entry: Measurement) => entry.cpuMs / Math.max(1, entry.requests);
const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
const ruler = (columns: number) => `|${'---|'.repeat(columns)}`;

/** The non-streaming and streaming tables: every target at every concurrency. */
export function comparisonTables(targets: Target[], results: Results, concurrencies: number[]): string[] {
  const lines: string[] = [];
  for (const kind of ['json', 'stream'] as const) {
    const header =
      kind === 'json'
        ? ['target', 'conc.', 'req/s', 'p50', 'p99', 'added p50', 'CPU ms/req', 'errors']
        : ['target', 'conc.', 'streams/s', 'first token p50', 'first token p99', 'total p50', 'total p99'].concat([
            'added first token p50',
            'CPU ms/req',
            'errors',
          ]);
    lines.push(kind === 'json' ? '## Non-streaming' : '## Streaming', '', row(header), ruler(header.length));
    for (const concurrency of concurrencies) {
      for (const target of targets.filter((candidate) => candidate.kind === kind)) {
        const direct = targets.find(
          (candidate) => candidate.kind === kind && candidate.upstream === target.upstream && candidate.server === 'direct',
        )!;
        const entry = results.get(resultKey(target, concurrency))!;
        const base = results.get(resultKey(direct, concurrency))!;
        const latency =
          kind === 'json' ? [entry.p50, entry.p99] : [entry.firstTokenP50, entry.firstTokenP99, entry.p50, entry.p99];
        const added =
          target === direct
            ? '—'
            : show(kind === 'json' ? mean(entry.p50) - mean(base.p50) : mean(entry.firstTokenP50) - mean(base.firstTokenP50));
        lines.push(
          row([
            target.name,
            String(concurrency),
            show(mean(entry.rps), 0),
            ...latency.map((values) => show(mean(values))),
            added,
            show(cpuPerRequest(entry), 3),
            String(entry.errors),
          ]),
        );
      }
    }
    lines.push('');
  }
  return lines;
}

/** ours / Portkey's, or — when either side completed no request. */
function ratio(ours: Measurement, portkey: Measurement, value: (entry: Measurement) => number): string {
  if (ours.requests === 0 || portkey.requests === 0) return '—';
  const quotient = value(ours) / value(portkey);
  return Number.isFinite(quotient) ? `${show(quotient)}×` : '—';
}

/** Our gateways' /v1/chat/completions against Portkey's, at each concurrency, as ratios ours / Portkey. */
export function againstPortkey(targets: Target[], results: Results, concurrencies: number[], portkeyVersion: string): string[] {
  const lines = ['## Against Portkey', ''];
  const route = (server: string, kind: Target['kind']) =>
    targets.find((target) => target.server === server && target.upstream === 'openai' && target.kind === kind);
  if (!route('Portkey', 'json') || !route('Portkey', 'stream')) {
    return [...lines, 'Not measured: the Portkey gateway did not start.', ''];
  }
  lines.push(
    `Ours / Portkey ${portkeyVersion} (its Node server), both on \`/v1/chat/completions\` to the same fake OpenAI upstream, from the tables above: throughput above 1×, latency and CPU per request below 1× favour ours.`,
    'Portkey waits 25 ms before the first streamed chunk by design, so the SSE latency ratios (and SSE throughput at low concurrency) mostly measure that wait. At concurrency 1 the wait also leaves its process idle between streams, which raises its CPU per stream (a 25 ms client pause between its JSON requests does the same: ~0.8 → ~1.8 ms), so compare SSE CPU at 16 and above.',
    '',
  );
  const header = [
    'gateway',
    'conc.',
    'req/s',
    'p50',
    'CPU/req',
    'SSE streams/s',
    'SSE first token p50',
    'SSE total p50',
    'SSE CPU/req',
  ];
  lines.push(row(header), ruler(header.length));
  for (const server of [...new Set(targets.map((target) => target.server))].filter(
    (name) => !['direct', 'Portkey'].includes(name),
  )) {
    const json = route(server, 'json');
    const stream = route(server, 'stream');
    if (!json || !stream) continue;
    for (const concurrency of concurrencies) {
      const [ours, theirs, oursStream, theirsStream] = [json, route('Portkey', 'json')!, stream, route('Portkey', 'stream')!].map(
        (target) => results.get(resultKey(target, concurrency))!,
      ) as [Measurement, Measurement, Measurement, Measurement];
      lines.push(
        row([
          server,
          String(concurrency),
          ratio(ours, theirs, (entry) => mean(entry.rps)),
          ratio(ours, theirs, (entry) => mean(entry.p50)),
          ratio(ours, theirs, cpuPerRequest),
          ratio(oursStream, theirsStream, (entry) => mean(entry.rps)),
          ratio(oursStream, theirsStream, (entry) => mean(entry.firstTokenP50)),
          ratio(oursStream, theirsStream, (entry) => mean(entry.p50)),
          ratio(oursStream, theirsStream, cpuPerRequest),
        ]),
      );
    }
  }
  lines.push('');
  return lines;
}

export interface MemoryRow {
  label: string;
  /** RSS in MB before the measured rounds, after them, and the process's peak; undefined: not measured. */
  rss?: { before: number; after: number; peak: number } | undefined;
}

export function memoryTable(rows: MemoryRow[]): string[] {
  return [
    '## Gateway memory (RSS, MB)',
    '',
    row(['gateway', 'before', 'after', 'peak']),
    ruler(4),
    ...rows.map(({ label, rss }) =>
      row(rss ? [label, show(rss.before, 1), show(rss.after, 1), show(rss.peak, 1)] : [label, 'not measured', '', '']),
    ),
    '',
  ];
}
