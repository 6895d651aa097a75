/**
 * Scale case: 1,000 concurrent SSE streams through the gateway (/api/chat/stream, each a new
 * conversation with its history writes). The upstream sends 50 tokens 20 ms apart, so every stream is
 * open at once for about a second. Reports the gateway's peak RSS and how many tokens were lost
 * (expected 0). Env: BENCH_STREAMS (default 1000), BENCH_RUNTIME (node | bun).
 */
import { peakRssMegabytes, rssMegabytes, startGateway, startScript, type Runtime } from './processes.ts';
import { round } from './statistics.ts';

const streams = Number(process.env['BENCH_STREAMS'] ?? '1000');
const tokensPerAnswer = 50;
const runtime = (process.env['BENCH_RUNTIME'] ?? 'node') as Runtime;

export async function runStreamScale(): Promise<string> {
  const upstream = await startScript('bench/upstream-server.ts', {
    BENCH_TOKENS: String(tokensPerAnswer),
    BENCH_TOKEN_DELAY_MS: '20',
  });
  const gateway = await startGateway(runtime, 18789, upstream.url, { FIRST_TOKEN_TIMEOUT_SECONDS: '60' });
  try {
    const pid = gateway.child.pid!;
    const rssBefore = await rssMegabytes(pid);
    let tokensReceived = 0;
    let failed = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: streams }, async () => {
        try {
          const response = await fetch(`${gateway.url}/api/chat/stream`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ message: 'Hi' }),
            signal: AbortSignal.timeout(60_000),
          });
          const text = await response.text();
          const received = text.split('\n\n').filter((event) => event.startsWith('data: {"token"')).length;
          tokensReceived += received;
          if (!text.includes('"done":true')) failed += 1;
        } catch {
          failed += 1;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const peak = await peakRssMegabytes(pid);
    const lost = streams * tokensPerAnswer - tokensReceived;
    return [
      `## ${String(streams)} concurrent SSE streams (${runtime}, /api/chat/stream, ${String(tokensPerAnswer)} tokens 20 ms apart)`,
      '',
      `| streams | failed | tokens lost | wall s | RSS before MB | peak RSS MB |`,
      '|---|---|---|---|---|---|',
      `| ${String(streams)} | ${String(failed)} | ${String(lost)} | ${String(round(seconds, 1))} | ${String(round(rssBefore, 1))} | ${String(round(peak, 1))} |`,
      '',
    ].join('\n');
  } finally {
    await gateway.stop();
    await upstream.stop();
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) console.log(await runStreamScale());
