import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrateLibsqlDatabase, openLibsqlDatabase } from '../../src/db/libsql.ts';
import { costOf } from '../../src/services/pricing.ts';
import { useCloudTestApp } from '../helpers/cloud-test-app.ts';

const start = useCloudTestApp();

interface Row {
  model: string;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number | null;
}

describe('cost per stored answer', () => {
  it('stores each assistant message with the cost of the model that answered, per model or per provider', async () => {
    const app = await start({ env: { MODEL_PRICES: 'openai/gpt-4o-mini=0.15/0.6;ollama/*=0.01/0.02' } });
    for (const model of ['openai/gpt-4o-mini', 'ollama/llama3.2', 'openai/gpt-4o']) {
      expect((await app.post('/api/chat', { message: 'What does it cost?', model })).status).toBe(200);
    }
    const rows = await app.query<Row>(
      "select model, input_tokens, output_tokens, cost_usd from messages where role = 'assistant' order by created_at, rowid",
    );
    expect(rows.map((row) => row.model)).toEqual(['openai/gpt-4o-mini', 'ollama/llama3.2', 'openai/gpt-4o']);
    const [mini, ollama, unpriced] = rows;
    expect(mini?.input_tokens).toBeGreaterThan(0);
    expect(mini?.cost_usd).toBeCloseTo(((mini?.input_tokens ?? 0) * 0.15 + (mini?.output_tokens ?? 0) * 0.6) / 1e6, 12);
    expect(ollama?.cost_usd).toBeCloseTo(((ollama?.input_tokens ?? 0) * 0.01 + (ollama?.output_tokens ?? 0) * 0.02) / 1e6, 12);
    expect(unpriced?.cost_usd).toBeNull();
  });

  it('charges the fallback model that answered, and shows the cost in the conversation', async () => {
    const app = await start({
      env: {
        MODEL_PRICES: 'openai/gpt-4o-mini=100/100;anthropic/claude-haiku-4-5=1/5',
        MODEL_ALIASES: 'smart=openai/gpt-4o-mini,anthropic/claude-haiku-4-5',
      },
      openai: { fault: { kind: 'http-error', status: 401 } },
    });
    const response = await app.post('/api/chat', { message: 'Hi', model: 'smart' });
    const { conversation_id: id } = (await response.json()) as { conversation_id: string };
    const [row] = await app.query<Row>(
      "select model, input_tokens, output_tokens, cost_usd from messages where role = 'assistant'",
    );
    expect(row?.model).toBe('anthropic/claude-haiku-4-5');
    const expected = ((row?.input_tokens ?? 0) * 1 + (row?.output_tokens ?? 0) * 5) / 1e6;
    expect(row?.cost_usd).toBeCloseTo(expected, 12);
    const conversation = (await (await app.fetch(`/api/history/${id}`)).json()) as {
      messages: { role: string; cost_usd?: number }[];
    };
    expect(conversation.messages.map((message) => message.cost_usd)).toEqual([undefined, row?.cost_usd]);
  });

  it('is null without a price or without usage, and never NaN', () => {
    const prices = { 'openai/gpt-4o': { input: 2.5, output: 10 }, 'ollama/*': { input: 0, output: 0 } };
    expect(costOf(prices, 'openai/gpt-4o', 1_000_000, 100_000)).toBe(3.5);
    expect(costOf(prices, 'ollama/qwen3:8b', 50, 50)).toBe(0);
    expect(costOf(prices, 'openai/gpt-4o-mini', 10, 10)).toBeNull();
    expect(costOf(prices, 'openai/gpt-4o', null, 10)).toBeNull();
    expect(costOf(prices, 'openai/gpt-4o', Number.NaN, 10)).toBeNull();
    expect(costOf({}, 'toString/x', 1, 1)).toBeNull();
  });
});

describe('the message-cost migration', () => {
  it('only adds a nullable column: no table rebuild that would cascade-delete messages on D1', async () => {
    const sql = await readFile(new URL('../../drizzle/0001_message-cost.sql', import.meta.url), 'utf8');
    expect(sql.trim()).toBe('ALTER TABLE `messages` ADD `cost_usd` real;');
  });

  it('keeps existing conversations and messages when applied to a database that has them', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'edge-llm-api-migration-'));
    try {
      const before = join(directory, 'before');
      await cp(new URL('../../drizzle', import.meta.url), before, { recursive: true });
      const journalPath = join(before, 'meta', '_journal.json');
      const journal = JSON.parse(await readFile(journalPath, 'utf8')) as { entries: { tag: string }[] };
      journal.entries = journal.entries.filter((entry) => entry.tag === '0000_init');
      await writeFile(journalPath, JSON.stringify(journal));

      const database = await openLibsqlDatabase({ url: `file:${join(directory, 'app.db')}`, busyTimeoutMs: 1000 });
      await migrateLibsqlDatabase(database, before);
      const { createClient } = await import('@libsql/client');
      const client = createClient({ url: `file:${join(directory, 'app.db')}` });
      await client.execute("insert into conversations (id, owner_id, created_at, updated_at) values ('c1', 'local', 't', 't')");
      await client.execute(
        "insert into messages (id, conversation_id, sequence, role, content, status, created_at) values ('m1', 'c1', 1, 'user', 'kept', 'complete', 't')",
      );
      await migrateLibsqlDatabase(database, new URL('../../drizzle', import.meta.url).pathname);
      const rows = await client.execute('select id, content, cost_usd from messages');
      expect(rows.rows.map((row) => ({ ...row }))).toEqual([{ id: 'm1', content: 'kept', cost_usd: null }]);
      client.close();
      database.close();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
