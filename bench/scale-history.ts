/**
 * Scale case: history list and get with 100,000 conversations and 1,000,000 messages, seeded by
 * script into a libSQL file (migrated by the gateway itself first). Env: BENCH_CONVERSATIONS
 * (default 100000), BENCH_MESSAGES_PER_CONVERSATION (default 10), BENCH_CALLS (default 300).
 */
import { createClient } from '@libsql/client';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, startScript } from './processes.ts';
import { round, summarize } from './statistics.ts';

const conversationCount = Number(process.env['BENCH_CONVERSATIONS'] ?? '100000');
const messagesPerConversation = Number(process.env['BENCH_MESSAGES_PER_CONVERSATION'] ?? '10');
const calls = Number(process.env['BENCH_CALLS'] ?? '300');
const rowsPerStatement = 100;

async function seed(databaseUrl: string): Promise<number> {
  const client = createClient({ url: databaseUrl });
  const started = performance.now();
  const base = Date.parse('2026-01-01T00:00:00Z');
  const batchSize = 5_000;
  for (let first = 0; first < conversationCount; first += batchSize) {
    const statements: { sql: string; args: (string | number)[] }[] = [];
    const last = Math.min(conversationCount, first + batchSize);
    for (let start = first; start < last; start += rowsPerStatement) {
      const end = Math.min(last, start + rowsPerStatement);
      const conversationArgs: (string | number)[] = [];
      const messageRows: string[] = [];
      const messageArgs: (string | number)[] = [];
      for (let index = start; index < end; index += 1) {
        const id = `00000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
        const time = new Date(base + index * 1000).toISOString();
        conversationArgs.push(id, 'local', `Conversation ${String(index)}`, 'ollama/llama3.2', time, time);
        for (let sequence = 1; sequence <= messagesPerConversation; sequence += 1) {
          const role = sequence % 2 === 1 ? 'user' : 'assistant';
          messageRows.push('(?, ?, ?, ?, ?, ?, ?)');
          messageArgs.push(
            `${id.slice(0, 24)}${(index * 100 + sequence).toString(16).padStart(12, '0')}`,
            id,
            sequence,
            role,
            `Message ${String(sequence)} of conversation ${String(index)}`,
            'complete',
            time,
          );
        }
      }
      statements.push({
        sql: `insert into conversations (id, owner_id, title, model, created_at, updated_at) values ${Array.from({ length: end - start }, () => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
        args: conversationArgs,
      });
      // SQLite allows 32,766 bound parameters per statement: 100 conversations x 10 messages x 7 fits.
      statements.push({
        sql: `insert into messages (id, conversation_id, sequence, role, content, status, created_at) values ${messageRows.join(', ')}`,
        args: messageArgs,
      });
    }
    await client.batch(statements, 'write');
  }
  client.close();
  return (performance.now() - started) / 1000;
}

async function timeCalls(url: string): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let index = 0; index < calls; index += 1) {
    const started = performance.now();
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: ${String(response.status)}`);
    await response.arrayBuffer();
    times.push(performance.now() - started);
  }
  const summary = summarize(times);
  return { p50: summary.p50, p99: summary.p99 };
}

export async function runHistoryScale(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'edge-llm-history-'));
  const databaseUrl = `file:${join(directory, 'history.db')}`;
  const upstream = await startScript('bench/upstream-server.ts');
  // The gateway creates and migrates the database; stop it, seed, start it again on the seeded file.
  let gateway = await startGateway('node', 18790, upstream.url, { DATABASE_URL: databaseUrl });
  await gateway.stop();
  const seedSeconds = await seed(databaseUrl);
  gateway = await startGateway('node', 18790, upstream.url, { DATABASE_URL: databaseUrl });
  try {
    const middle = `00000000-0000-4000-8000-${Math.floor(conversationCount / 2)
      .toString(16)
      .padStart(12, '0')}`;
    const cases: [string, string][] = [
      ['GET /api/history?limit=10 (first page)', '/api/history?limit=10&offset=0'],
      ['GET /api/history?limit=100', '/api/history?limit=100&offset=0'],
      [
        `GET /api/history?limit=10&offset=${String(conversationCount / 2)}`,
        `/api/history?limit=10&offset=${String(conversationCount / 2)}`,
      ],
      [`GET /api/history/:id (${String(messagesPerConversation)} messages)`, `/api/history/${middle}`],
    ];
    const lines = [
      `## History at ${String(conversationCount)} conversations / ${String(conversationCount * messagesPerConversation)} messages (seeded in ${String(round(seedSeconds, 1))} s)`,
      '',
      '| request | p50 ms | p99 ms |',
      '|---|---|---|',
    ];
    for (const [label, path] of cases) {
      await timeCalls(`${gateway.url}${path}`); // warm-up
      const { p50, p99 } = await timeCalls(`${gateway.url}${path}`);
      lines.push(`| ${label} | ${String(round(p50))} | ${String(round(p99))} |`);
    }
    return `${lines.join('\n')}\n`;
  } finally {
    await gateway.stop();
    await upstream.stop();
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) console.log(await runHistoryScale());
