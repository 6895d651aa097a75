/**
 * Every provider path on real answer lengths, for `npm run bench`: this API on Node (as `npm start`
 * runs it) calling the fake upstream as Ollama, OpenAI (`@ai-sdk/openai`), Anthropic (`@ai-sdk/anthropic`)
 * and an OpenAI-compatible provider (`OPENAI_COMPATIBLE_PROVIDERS`, `@ai-sdk/openai-compatible`), JSON
 * and SSE, 32- and 500-token answers, at concurrency 1 and 16, beside the Portkey gateway doing the same
 * work (OpenAI and Anthropic upstreams) and the library floor (Hono + that provider's `doStream` alone,
 * bench/library-floor-server.ts). Targets are measured interleaved (A, B, … then …, B, A). From the two
 * lengths it derives each path's CPU per relayed token, (CPU at 500 − CPU at 32) / 468, and its fixed
 * CPU per request, CPU at 32 − 32 × that. One upstream serves both lengths: the model's name says how
 * many tokens (`bench-500-tokens`, bench/upstream-server.ts). Env: BENCH_SECONDS (per target and round,
 * default 2). Runs alone with `node --experimental-strip-types bench/provider-paths.ts` after
 * `npm run build:server`.
 */
import { readFileSync } from 'node:fs';
import { answerProblem, jsonLoad, streamLoad } from './load.ts';
import { cpuMilliseconds, startGateway, startPortkey, startScript, type RunningProcess } from './processes.ts';
import { round } from './statistics.ts';

const segmentSeconds = Number(process.env['BENCH_SECONDS'] ?? '2');
const lengths = [32, 500] as const;
const concurrencies = [1, 16] as const;
const rounds = 2;

type Provider = 'ollama' | 'openai' | 'anthropic' | 'compatible';
type Kind = 'json' | 'stream';

interface PathTarget {
  /** What the row measures, without the answer length: the per-token figures pair rows by it. */
  path: string;
  server: 'ours' | 'Portkey' | 'floor' | 'direct';
  provider: Provider;
  kind: Kind;
  tokens: number;
  url: string;
  body: unknown;
  headers?: Record<string, string>;
  process: RunningProcess;
}

interface PathMeasurement {
  cpuMs: number;
  requests: number;
  errors: number;
  seconds: number;
}

const providerLabels: Record<Provider, string> = {
  ollama: 'Ollama',
  openai: 'OpenAI',
  anthropic: 'Anthropic',
  compatible: 'OpenAI-compatible',
};
const model = (tokens: number) => `bench-${String(tokens)}-tokens`;
const messages = [{ role: 'user', content: 'Hi' }];
const openAiBody = (name: string, kind: Kind) =>
  kind === 'stream' ? { model: name, messages, stream: true } : { model: name, messages };

function targetsFor(
  tokens: number,
  servers: {
    gateway: RunningProcess;
    floor: RunningProcess | undefined;
    portkey: RunningProcess | undefined;
    upstream: RunningProcess;
  },
): PathTarget[] {
  const { gateway, floor, portkey, upstream } = servers;
  return (['json', 'stream'] as const).flatMap((kind): PathTarget[] => {
    const sse = kind === 'stream' ? ' SSE' : '';
    const ollamaModel = `ollama/${model(tokens)}`;
    return [
      {
        path: `upstream direct (OpenAI${sse})`,
        server: 'direct',
        provider: 'openai',
        kind,
        tokens,
        url: `${upstream.url}/v1/chat/completions`,
        body: openAiBody(model(tokens), kind),
        process: upstream,
      },
      ...(['ollama', 'openai', 'anthropic', 'compatible'] as const).map((provider): PathTarget => ({
        path: `/v1/chat/completions${sse} → ${providerLabels[provider]}`,
        server: 'ours',
        provider,
        kind,
        tokens,
        url: `${gateway.url}/v1/chat/completions`,
        body: openAiBody(`${provider}/${model(tokens)}`, kind),
        process: gateway,
      })),
      {
        path: `/api/generate${sse} → Ollama`,
        server: 'ours',
        provider: 'ollama',
        kind,
        tokens,
        url: `${gateway.url}/api/generate`,
        body: kind === 'stream' ? { prompt: 'Hi', model: ollamaModel, stream: true } : { prompt: 'Hi', model: ollamaModel },
        process: gateway,
      },
      {
        path: `/api/chat${kind === 'stream' ? '/stream' : ''} (history writes) → Ollama`,
        server: 'ours',
        provider: 'ollama',
        kind,
        tokens,
        url: `${gateway.url}/api/chat${kind === 'stream' ? '/stream' : ''}`,
        body: { message: 'Hi', model: ollamaModel },
        process: gateway,
      },
      ...(portkey
        ? (['openai', 'anthropic'] as const).map((provider): PathTarget => ({
            path: `Portkey /v1/chat/completions${sse} → ${providerLabels[provider]}`,
            server: 'Portkey',
            provider,
            kind,
            tokens,
            url: `${portkey.url}/v1/chat/completions`,
            headers: {
              'x-portkey-provider': provider,
              'x-portkey-custom-host': `${upstream.url}/v1`,
              authorization: 'Bearer bench-key',
            },
            body: openAiBody(model(tokens), kind),
            process: portkey,
          }))
        : []),
      ...(floor && kind === 'json'
        ? (['ollama', 'openai', 'anthropic', 'compatible'] as const).map((provider): PathTarget => ({
            path: `library floor: Hono + ${providerLabels[provider]} provider doStream`,
            server: 'floor',
            provider,
            kind,
            tokens,
            url: `${floor.url}/v1/chat/completions?provider=${provider}&call=stream`,
            body: openAiBody(model(tokens), 'json'),
            process: floor,
          }))
        : []),
    ];
  });
}

const key = (target: PathTarget, concurrency: number) => `${target.path}@${String(target.tokens)}@${String(concurrency)}`;

async function measure(target: PathTarget, concurrency: number, results: Map<string, PathMeasurement>): Promise<void> {
  const pid = target.process.child.pid!;
  const before = await cpuMilliseconds(pid);
  const result =
    target.kind === 'json'
      ? await jsonLoad(target, concurrency, segmentSeconds)
      : await streamLoad(target, concurrency, segmentSeconds, 20_000);
  const cpu = (await cpuMilliseconds(pid)) - before;
  const entry = results.get(key(target, concurrency)) ?? { cpuMs: 0, requests: 0, errors: 0, seconds: 0 };
  entry.cpuMs += cpu;
  entry.requests += result.requests;
  entry.errors += result.errors;
  entry.seconds += segmentSeconds;
  results.set(key(target, concurrency), entry);
}

/** One request per target before measuring: a 200 whose answer holds the last token of its length, and no more. */
const checkAnswer = (target: PathTarget) =>
  answerProblem(
    target,
    `${target.path}, ${String(target.tokens)} tokens`,
    (text) => text.includes(`word${String(target.tokens - 1)} `) && !text.includes(`word${String(target.tokens)} `),
  );

const show = (value: number, digits = 2) => (Number.isFinite(value) ? String(round(value, digits)) : '—');
const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
const ruler = (columns: number) => `|${'---|'.repeat(columns)}`;

interface PathCost {
  perRequest: Map<number, number>;
  /** CPU per relayed token, ms. */
  perToken: number;
  /** CPU per request without its tokens, ms. */
  fixed: number;
  errors: number;
}

function costOf(target: PathTarget, concurrency: number, results: Map<string, PathMeasurement>): PathCost {
  const perRequest = new Map<number, number>();
  let errors = 0;
  for (const tokens of lengths) {
    const entry = results.get(`${target.path}@${String(tokens)}@${String(concurrency)}`);
    perRequest.set(tokens, entry && entry.requests > 0 ? entry.cpuMs / entry.requests : Number.NaN);
    errors += entry?.errors ?? 0;
  }
  const [short, long] = lengths;
  const perToken = (perRequest.get(long)! - perRequest.get(short)!) / (long - short);
  return { perRequest, perToken, fixed: perRequest.get(short)! - short * perToken, errors };
}

function section(
  targets: PathTarget[],
  results: Map<string, PathMeasurement>,
  failedChecks: string[],
  portkeyVersion: string,
): string {
  const lines = [
    '## Every provider path, 32- and 500-token answers',
    '',
    `Node ${process.version}, this API as \`npm start\` runs it, Portkey ${portkeyVersion}, the library floor; ${String(rounds)} interleaved rounds of ${String(segmentSeconds)} s per target, length and concurrency; the fake upstream answers 32 or 500 tokens with no delay (Ollama NDJSON, OpenAI and Anthropic SSE, or their JSON for Portkey's non-streaming calls). CPU is the serving process's user+system time per completed request, from /proc. Per token: (CPU at 500 − CPU at 32) / 468; fixed: CPU at 32 − 32 × per token. "vs Portkey" divides by Portkey's figure for the same kind of request to the same upstream protocol (its OpenAI row for our Ollama, OpenAI and OpenAI-compatible paths, its Anthropic row for ours): below 1× favours ours. Portkey answers a JSON request with one non-streaming upstream call, so it has almost no per-token work there and JSON rows compare CPU per request only; this API streams from the upstream for every request (its time limits and fallbacks need the stream).`,
    '',
    ...(failedChecks.length > 0
      ? ['**Answer check failed** (these rows measure errors):', '', ...failedChecks.map((problem) => `- ${problem}`), '']
      : []),
  ];
  const header = [
    'path',
    'conc.',
    'CPU ms/req, 32 tokens',
    'CPU ms/req, 500 tokens',
    'µs per token',
    'fixed ms/req',
    'per token vs Portkey',
    'fixed vs Portkey',
    'CPU/req at 500 vs Portkey',
    'req/s, 500 tokens',
    'errors',
  ];
  const paths = targets.filter((target) => target.tokens === lengths[0]);
  for (const kind of ['json', 'stream'] as const) {
    lines.push(kind === 'json' ? '### JSON answers' : '### SSE answers', '', row(header), ruler(header.length));
    for (const concurrency of concurrencies) {
      for (const target of paths.filter((candidate) => candidate.kind === kind)) {
        const cost = costOf(target, concurrency, results);
        const peer = paths.find(
          (candidate) =>
            candidate.server === 'Portkey' &&
            candidate.kind === kind &&
            candidate.provider === (target.provider === 'anthropic' ? 'anthropic' : 'openai'),
        );
        const peerCost =
          peer && target.server !== 'Portkey' && target.server !== 'direct' ? costOf(peer, concurrency, results) : undefined;
        const long = results.get(`${target.path}@${String(lengths[1])}@${String(concurrency)}`);
        lines.push(
          row([
            target.path,
            String(concurrency),
            show(cost.perRequest.get(lengths[0])!, 3),
            show(cost.perRequest.get(lengths[1])!, 3),
            show(cost.perToken * 1000, 2),
            show(cost.fixed, 3),
            // Portkey's JSON answers are one non-streaming upstream call: no per-token work to compare with.
            peerCost && kind === 'stream' ? `${show(cost.perToken / peerCost.perToken)}×` : '',
            peerCost ? `${show(cost.fixed / peerCost.fixed)}×` : '',
            peerCost ? `${show(cost.perRequest.get(lengths[1])! / peerCost.perRequest.get(lengths[1])!)}×` : '',
            long ? show(long.requests / long.seconds, 0) : '—',
            String(cost.errors),
          ]),
        );
      }
    }
    lines.push('');
  }
  lines.push(
    'Command: `npm run bench` (this section alone: `npm run build:server && node --experimental-strip-types bench/provider-paths.ts`).',
    '',
  );
  return lines.join('\n');
}

export async function runProviderPaths(): Promise<string> {
  const portkeyVersion = (
    JSON.parse(readFileSync('node_modules/@portkey-ai/gateway/package.json', 'utf8')) as { version: string }
  ).version;
  const upstream = await startScript('bench/upstream-server.ts');
  const running: RunningProcess[] = [upstream];
  try {
    const gateway = await startGateway('node', 18801, upstream.url, {
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      OPENAI_API_KEY: 'bench-key',
      ANTHROPIC_BASE_URL: `${upstream.url}/v1`,
      ANTHROPIC_API_KEY: 'bench-key',
      OPENAI_COMPATIBLE_PROVIDERS: 'compatible',
      COMPATIBLE_BASE_URL: `${upstream.url}/v1`,
      COMPATIBLE_API_KEY: 'bench-key',
    });
    running.push(gateway);
    const floor = await startScript('bench/library-floor-server.ts', { UPSTREAM_URL: upstream.url }, { serveFlags: true }).catch(
      (error: unknown) => {
        console.error(`library floor not measured: ${String(error)}`);
        return undefined;
      },
    );
    if (floor) running.push(floor);
    const portkey = await startPortkey(18802).catch((error: unknown) => {
      console.error(`Portkey not measured: ${String(error)}`);
      return undefined;
    });
    if (portkey) running.push(portkey);
    const servers = { gateway, floor, portkey, upstream };
    const targets = lengths.flatMap((tokens) => targetsFor(tokens, servers));
    const failedChecks = (await Promise.all(targets.map(checkAnswer))).filter((problem) => problem !== undefined);
    for (const problem of failedChecks) console.error(`answer check failed: ${problem}`);
    const results = new Map<string, PathMeasurement>();
    for (const target of targets) await measure(target, 4, results); // warm-up: JIT, pools, database pages
    results.clear();
    for (const concurrency of concurrencies) {
      for (let index = 0; index < rounds; index += 1) {
        for (const target of index % 2 === 0 ? targets : [...targets].reverse()) await measure(target, concurrency, results);
      }
    }
    return section(targets, results, failedChecks, portkeyVersion);
  } finally {
    await Promise.all(running.map((process) => process.stop()));
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) console.log(await runProviderPaths());
