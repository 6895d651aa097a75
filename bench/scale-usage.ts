/**
 * Scale case: GET /api/usage over a usage ledger of 1,000,000 generations spread over the last 30 days
 * (50 users, 100 keys, 5 models), seeded by script into a libSQL file that the gateway migrated (the
 * trigger keeps `usage_daily` as the seeding goes). The target: a 30-day report answers in
 * ≤ 50 ms p99. Env: BENCH_USAGE_ROWS (default 1000000), BENCH_CALLS (default 200).
 */
import { createClient } from '@libsql/client';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, startScript } from './processes.ts';
import { round, summarize } from './statistics.ts';

const rowCount = Number(process.env['BENCH_USAGE_ROWS'] ?? '1000000');
const calls = Number(process.env['BENCH_CALLS'] ?? '200');
const rowsPerStatement = 1_000;
const models = ['ollama/llama3.2', 'ollama/llama3.2:1b', 'openai/gpt-4o-mini', 'anthropic/claude-haiku-4-5', 'groq/llama-3.1-8b'];
const adminKey = 'bench-admin-key-0123456789abcdefghijklmnop';

async function seed(databaseUrl: string, now: number): Promise<number> {
  const client = createClient({ url: databaseUrl });
  const started = performance.now();
  const spanMs = 30 * 86_400_000;
  const columns =
    '(id, created_at, route, kind, user_id, key_id, requested_model, provider, model, outcome, input_tokens, output_tokens, cost_usd, latency_ms, ttft_ms, attempts)';
  for (let first = 0; first < rowCount; first += rowsPerStatement * 20) {
    const statements: { sql: string; args: (string | number | null)[] }[] = [];
    for (let start = first; start < Math.min(rowCount, first + rowsPerStatement * 20); start += rowsPerStatement) {
      const end = Math.min(rowCount, start + rowsPerStatement);
      const args: (string | number | null)[] = [];
      for (let index = start; index < end; index += 1) {
        const user = `user-${String(index % 50)}`;
        const model = models[index % models.length] ?? 'ollama/llama3.2';
        args.push(
          `u-${index.toString(16).padStart(10, '0')}`,
          new Date(now - spanMs + Math.floor((index / rowCount) * spanMs)).toISOString(),
          '/api/chat',
          'chat',
          user,
          index % 3 === 0 ? null : `key-${String(index % 100)}`,
          model,
          model.slice(0, model.indexOf('/')),
          model,
          index % 20 === 0 ? 'error' : 'complete',
          index % 20 === 0 ? null : 100 + (index % 50),
          index % 20 === 0 ? null : 200 + (index % 300),
          index % 20 === 0 ? null : 0.0001,
          500,
          120,
          1,
        );
      }
      statements.push({
        sql: `insert into usage ${columns} values ${Array.from({ length: end - start }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        args,
      });
    }
    await client.batch(statements, 'write');
  }
  client.close();
  return (performance.now() - started) / 1000;
}

async function timeCalls(url: string, headers: Record<string, string>): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let index = 0; index < calls; index += 1) {
    const started = performance.now();
    const response = await fetch(url, { headers });
    if (!response.ok) throw new Error(`${url}: ${String(response.status)}`);
    await response.arrayBuffer();
    times.push(performance.now() - started);
  }
  const summary = summarize(times);
  return { p50: summary.p50, p99: summary.p99 };
}

export async function runUsageScale(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'edge-llm-usage-'));
  const databaseUrl = `file:${join(directory, 'usage.db')}`;
  const upstream = await startScript('bench/upstream-server.ts');
  const env = { DATABASE_URL: databaseUrl, ADMIN_API_KEY: adminKey };
  let gateway = await startGateway('node', 18792, upstream.url, env);
  await gateway.stop();
  const now = Date.now();
  const seedSeconds = await seed(databaseUrl, now);
  gateway = await startGateway('node', 18792, upstream.url, env);
  try {
    const admin = { authorization: `Bearer ${adminKey}` };
    const cases: [string, string][] = [
      ['last 30 days by model (the default)', '/api/usage'],
      ['last 30 days by day', '/api/usage?group_by=day'],
      ['last 30 days by key', '/api/usage?group_by=key'],
      ['last 30 days by user', '/api/usage?group_by=user'],
      [
        'one week by model, whole days',
        `/api/usage?from=${new Date(now - 8 * 86_400_000).toISOString().slice(0, 10)}T00:00:00Z&to=${new Date(now - 86_400_000).toISOString().slice(0, 10)}T00:00:00Z`,
      ],
    ];
    const lines = [
      `## Usage report at ${String(rowCount)} generations over 30 days (seeded in ${String(round(seedSeconds, 1))} s)`,
      '',
      '| request (as admin: everyone’s usage) | p50 ms | p99 ms |',
      '|---|---|---|',
    ];
    for (const [label, path] of cases) {
      await timeCalls(`${gateway.url}${path}`, admin); // warm-up
      const { p50, p99 } = await timeCalls(`${gateway.url}${path}`, admin);
      lines.push(`| ${label} | ${String(round(p50))} | ${String(round(p99))} |`);
    }
    lines.push(
      '',
      'Command: `npm run bench` (or `node --experimental-strip-types bench/scale-usage.ts` alone; BENCH_USAGE_ROWS to change the size).',
    );
    return `${lines.join('\n')}\n`;
  } finally {
    await gateway.stop();
    await upstream.stop();
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) console.log(await runUsageScale());
