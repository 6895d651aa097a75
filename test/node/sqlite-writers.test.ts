/**
 * SQLite under concurrent writers (RELIABILITY.md case 35, pitfall 5): two servers started as `npm start`
 * starts them, on one libSQL file. Writes take the file's lock with BEGIN IMMEDIATE and wait for it
 * (DATABASE_BUSY_TIMEOUT_MS), so concurrent writers in two processes never surface SQLITE_BUSY; and the
 * generation lock of a conversation, a row in that file, holds across the processes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOllama, type FakeOllama } from '../helpers/fake-ollama.ts';
import { startRuntimeServer, type RuntimeServer } from '../runtimes/runtime-server.ts';
import { scriptCommand } from '../runtimes/script-command.ts';

const post = (server: RuntimeServer, path: string, body: unknown, method = 'POST') =>
  fetch(`${server.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('concurrent writers in two Node processes on one database file', () => {
  let ollama: FakeOllama;
  let directory: string;
  let inspector: Client;
  let servers: RuntimeServer[] = [];
  let a: RuntimeServer;
  let b: RuntimeServer;

  beforeAll(async () => {
    ollama = await startFakeOllama({ tokens: ['one ', 'two ', 'three'], tokenDelayMs: 20 });
    directory = await mkdtemp(join(tmpdir(), 'edge-llm-api-writers-'));
    const databaseUrl = `file:${join(directory, 'shared.db')}`;
    const env = { OLLAMA_BASE_URL: ollama.url, DATABASE_URL: databaseUrl, KEEPALIVE_SECONDS: '5' };
    // One after the other: both migrate the same file on start.
    servers.push(await startRuntimeServer(scriptCommand('serve'), env));
    servers.push(await startRuntimeServer(scriptCommand('serve'), env));
    [a, b] = servers as [RuntimeServer, RuntimeServer];
    inspector = createClient({ url: databaseUrl });
  }, 90_000);
  afterAll(async () => {
    inspector.close();
    await Promise.all(servers.map((server) => server.stop()));
    servers = [];
    await ollama.close();
    await rm(directory, { recursive: true, force: true });
  });

  const rows = async <T>(sql: string, args: string[] = []) =>
    (await inspector.execute({ sql, args })).rows.map((row) => ({ ...row }) as T);

  it('answers 50 concurrent turns and history writes split over both processes without a SQLITE_BUSY', async () => {
    const turns = Array.from({ length: 50 }, async (_, index) => {
      const response = await post(index % 2 === 0 ? a : b, '/api/chat', { message: `writer ${String(index)}` });
      await response.text();
      return response.status;
    });
    // History writes beside them: create, rename and delete conversations, on the other process each time.
    const history = Array.from({ length: 20 }, async (_, index) => {
      const [first, second] = index % 2 === 0 ? [a, b] : [b, a];
      const created = await post(first, '/api/history', { title: `notes ${String(index)}` });
      const { id } = (await created.json()) as { id: string };
      const renamed = await post(second, `/api/history/${id}`, { title: `renamed ${String(index)}` }, 'PUT');
      await renamed.text();
      const deleted = await fetch(`${first.url}/api/history/${id}`, { method: 'DELETE' });
      await deleted.text();
      return [created.status, renamed.status, deleted.status];
    });
    const statuses = await Promise.all(turns);
    expect(statuses).toEqual(Array.from({ length: 50 }, () => 200));
    expect((await Promise.all(history)).flat().every((status) => status >= 200 && status < 300)).toBe(true);

    const pairs = await rows<{ roles: string }>(
      `select group_concat(role || ':' || status, ',') as roles from
        (select conversation_id, role, status from messages order by conversation_id, sequence) group by conversation_id`,
    );
    expect(pairs).toHaveLength(50);
    expect(pairs.every((pair) => pair.roles === 'user:complete,assistant:complete')).toBe(true);
    expect(await rows('select id from conversations where active_generation_id is not null')).toEqual([]);
    for (const server of servers) expect(server.output()).not.toMatch(/SQLITE_BUSY|database is locked/);
  }, 60_000);

  it('lets one of many turns racing in one conversation across both processes run: one 200, the others 409', async () => {
    ollama.setBehaviour({ tokens: Array.from({ length: 20 }, (_, index) => `t${String(index)} `), tokenDelayMs: 100 });
    const created = await post(a, '/api/history', { title: 'race' });
    const { id } = (await created.json()) as { id: string };
    const racing = Array.from({ length: 10 }, async (_, index) => {
      const response = await post(index % 2 === 0 ? a : b, '/api/chat', {
        message: `racer ${String(index)}`,
        conversation_id: id,
      });
      const body = (await response.json()) as { code?: string };
      return { status: response.status, code: body.code };
    });
    const results = await Promise.all(racing);
    expect(results.filter((result) => result.status === 200)).toHaveLength(1);
    expect(results.filter((result) => result.status === 409)).toEqual(
      Array.from({ length: 9 }, () => ({ status: 409, code: 'CONFLICT' })),
    );
    const stored = await rows<{ role: string; status: string }>(
      'select role, status from messages where conversation_id = ? order by sequence',
      [id],
    );
    expect(stored).toEqual([
      { role: 'user', status: 'complete' },
      { role: 'assistant', status: 'complete' },
    ]);
    expect(await rows('select id from conversations where active_generation_id is not null')).toEqual([]);
  }, 30_000);
});
