/**
 * The usage ledger and GET /api/usage (API.md § Limits and usage): one row per generation on every
 * generating route, whatever its outcome, with the upstream's own token counts; reports by model, day,
 * key and user; usage that outlives its conversation.
 */
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/sse.ts';
import { adminKey, authRequired, bearer, createKey, registerAndLogin } from './auth-support.ts';
import { useHarness, type CreateHarness, type Harness } from './harness.ts';

interface UsageRow {
  id: string;
  route: string;
  kind: string;
  user_id: string;
  key_id: string | null;
  requested_model: string;
  provider: string;
  model: string;
  outcome: string;
  error_code: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
  latency_ms: number;
  ttft_ms: number | null;
  attempts: number;
  request_id: string | null;
  conversation_id: string | null;
}

interface Report {
  from: string;
  to: string;
  group_by: string;
  rows: { group: string | null; requests: number; input_tokens: number; output_tokens: number; cost_usd: number }[];
  totals: { requests: number; input_tokens: number; output_tokens: number; cost_usd: number };
}

const tokens = ['one', ' two', ' three'];
const promptEvalCount = 7;
const usageRows = (app: Harness) => app.query<UsageRow>('select * from usage order by created_at, id');

/** One call per generating route, JSON and SSE; each reads its answer to the end. */
const generatingCalls: [string, (app: Harness) => Promise<Response>][] = [
  ['/api/chat', (app) => app.post('/api/chat', { message: 'Hi' })],
  ['/api/chat/stream', (app) => app.post('/api/chat/stream', { message: 'Hi' })],
  ['/api/generate', (app) => app.post('/api/generate', { prompt: 'Hi' })],
  ['/api/generate', (app) => app.post('/api/generate', { prompt: 'Hi', stream: true })],
  ['/api/v1/generate', (app) => app.post('/api/v1/generate', { prompt: 'Hi' })],
  ['/api/v1/generate', (app) => app.post('/api/v1/generate', { prompt: 'Hi', stream: true })],
  ['/generate', (app) => app.post('/generate', { prompt: 'Hi' })],
  ['/ask', (app) => app.post('/ask', { question: 'Hi' })],
  [
    '/v1/chat/completions',
    (app) => app.post('/v1/chat/completions', { model: 'llama3.2', messages: [{ role: 'user', content: 'Hi' }] }),
  ],
  [
    '/v1/chat/completions',
    (app) =>
      app.post('/v1/chat/completions', {
        model: 'llama3.2',
        messages: [{ role: 'user', content: 'Hi' }],
        stream: true,
        user: 'end-user-42',
      }),
  ],
];

export function describeUsage(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('the usage ledger', () => {
    it('records exactly one row per generation on every generating route, with the upstream’s own token counts', async () => {
      const app = await start({ ollama: { tokens, promptEvalCount }, env: { MODEL_PRICES: 'ollama/*=1/2' } });
      for (const [, call] of generatingCalls) {
        const response = await call(app);
        expect(response.status).toBe(200);
        await response.text();
      }
      const rows = await eventually(async () => {
        const found = await usageRows(app);
        return found.length >= generatingCalls.length ? found : undefined;
      });
      expect(rows).toHaveLength(generatingCalls.length);
      expect(rows.map((row) => row.route).sort()).toEqual(generatingCalls.map(([route]) => route).sort());
      for (const row of rows) {
        expect(row).toMatchObject({
          kind: 'chat',
          user_id: 'local',
          key_id: null,
          provider: 'ollama',
          model: 'ollama/llama3.2',
          outcome: 'complete',
          error_code: null,
          input_tokens: promptEvalCount,
          output_tokens: tokens.length,
          attempts: 1,
        });
        expect(row.cost_usd).toBeCloseTo((promptEvalCount * 1 + tokens.length * 2) / 1_000_000, 12);
        expect(row.latency_ms).toBeGreaterThan(0);
        expect(row.ttft_ms).not.toBeNull();
        expect(row.request_id).toMatch(/\S/);
      }
      expect(rows.filter((row) => row.conversation_id !== null)).toHaveLength(2);
      expect(await app.query('select end_user from usage where end_user is not null')).toEqual([{ end_user: 'end-user-42' }]);
      expect(await app.ollama.hits('/api/chat')).toBe(generatingCalls.length);
    });

    it('keeps usage when the conversation is deleted', async () => {
      const app = await start({ ollama: { tokens, promptEvalCount } });
      const chat = (await (await app.post('/api/chat', { message: 'Hi' })).json()) as { conversation_id: string };
      await eventually(async () => ((await usageRows(app)).length === 1 ? true : undefined));
      expect((await app.fetch(`/api/history/${chat.conversation_id}`, { method: 'DELETE' })).status).toBe(200);
      expect(await app.query('select id from messages')).toEqual([]);
      const rows = await usageRows(app);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ conversation_id: chat.conversation_id, input_tokens: promptEvalCount });
      const report = (await (await app.fetch('/api/usage')).json()) as Report;
      expect(report.totals).toMatchObject({ requests: 1, input_tokens: promptEvalCount, output_tokens: tokens.length });
    });

    it('records failures too: an error before any token with NULL tokens, the model that was tried, and every attempt of a fallback chain as one generation', async () => {
      const app = await start({
        ollama: { tokens, promptEvalCount },
        env: { MODEL_ALIASES: 'chain=ollama/missing,ollama/llama3.2', KEEPALIVE_SECONDS: '5' },
      });
      await app.ollama.setModels(['llama3.2:latest']);
      await app.ollama.enqueue({ fault: { kind: 'http-error', status: 500, body: '{"error":"boom"}' } });
      const failed = await app.post('/api/generate', { prompt: 'Hi' });
      expect(failed.status).toBe(502);
      const chained = await app.post('/api/generate', { prompt: 'Hi', model: 'chain' });
      expect(chained.status).toBe(200);
      const rows = await eventually(async () => {
        const found = await usageRows(app);
        return found.length === 2 ? found : undefined;
      });
      expect(rows[0]).toMatchObject({
        outcome: 'error',
        error_code: 'UPSTREAM_ERROR',
        input_tokens: null,
        output_tokens: null,
        cost_usd: null,
      });
      expect(rows[1]).toMatchObject({ outcome: 'complete', requested_model: 'chain', model: 'ollama/llama3.2', attempts: 2 });
    });
  });

  describe('GET /api/usage', () => {
    it('sums exactly per model, day, key and user; a user sees only their own usage, an admin everyone’s', async () => {
      const app = await start({ env: authRequired(), ollama: { tokens, promptEvalCount } });
      const ada = await registerAndLogin(app, 'ada@example.com');
      const adaKey = await createKey(app, { name: 'ada script' }, ada.token);
      const bob = await registerAndLogin(app, 'bob@example.com');
      await app.post('/api/generate', { prompt: 'Hi' }, { headers: bearer(ada.token) });
      await app.post('/api/generate', { prompt: 'Hi', model: 'llama3.2:1b' }, { headers: bearer(adaKey.key) });
      await app.post('/api/generate', { prompt: 'Hi' }, { headers: bearer(bob.token) });
      await eventually(async () => ((await usageRows(app)).length === 3 ? true : undefined));

      const report = async (token: string, query = '') =>
        (await (await app.fetch(`/api/usage${query}`, { headers: bearer(token) })).json()) as Report;
      const own = await report(ada.token);
      expect(own.group_by).toBe('model');
      expect(own.totals).toEqual({ requests: 2, input_tokens: 14, output_tokens: 6, cost_usd: 0 });
      expect(own.rows.map((row) => [row.group, row.requests]).sort()).toEqual([
        ['ollama/llama3.2', 1],
        ['ollama/llama3.2:1b', 1],
      ]);
      const byKey = await report(ada.token, '?group_by=key');
      expect(byKey.rows.map((row) => `${String(row.group)}=${String(row.requests)}`).sort()).toEqual(
        [`${adaKey.id}=1`, 'null=1'].sort(),
      );
      const everyone = await report(adminKey, '?group_by=user');
      expect(everyone.totals.requests).toBe(3);
      expect(everyone.rows.map((row) => `${String(row.group)}=${String(row.requests)}`).sort()).toEqual(
        [`${ada.userId}=2`, `${bob.userId}=1`].sort(),
      );
      const today = new Date().toISOString().slice(0, 10);
      expect((await report(adminKey, '?group_by=day')).rows).toEqual([
        { group: today, requests: 3, input_tokens: 21, output_tokens: 9, cost_usd: 0 },
      ]);
    });

    it('takes from inclusive and to exclusive, over whole days and partial ones alike', async () => {
      const app = await start();
      const insert = (id: string, createdAt: string, inputTokens: number | null) =>
        app.query(
          `insert into usage (id, created_at, route, kind, user_id, requested_model, provider, model, outcome, input_tokens, output_tokens, latency_ms, attempts)
           values (?, ?, '/api/chat', 'chat', 'local', 'm', 'ollama', 'ollama/m', 'complete', ?, 1, 1, 1)`,
          [id, createdAt, inputTokens],
        );
      await insert('a', '2026-10-01T23:59:59.999Z', 1);
      await insert('b', '2026-10-02T00:00:00.000Z', 10);
      await insert('c', '2026-10-03T12:00:00.000Z', 100);
      await insert('d', '2026-10-05T00:00:00.000Z', 1000);
      await insert('e', '2026-10-05T06:00:00.000Z', null);
      const totals = async (from: string, to: string) =>
        ((await (await app.fetch(`/api/usage?from=${from}&to=${to}`)).json()) as Report).totals;
      expect(await totals('2026-10-02T00:00:00Z', '2026-10-05T00:00:00Z')).toMatchObject({ requests: 2, input_tokens: 110 });
      expect(await totals('2026-10-01T23:59:59.999Z', '2026-10-05T00:00:00.001Z')).toMatchObject({
        requests: 4,
        input_tokens: 1111,
      });
      expect(await totals('2026-10-03T12:00:00.001Z', '2026-10-06T00:00:00Z')).toMatchObject({
        requests: 2,
        input_tokens: 1000,
        output_tokens: 2,
      });
      expect(await totals('2026-09-01T00:00:00Z', '2026-11-01T00:00:00Z')).toMatchObject({
        requests: 5,
        input_tokens: 1111,
        output_tokens: 5,
      });
      const byDay = (await (
        await app.fetch('/api/usage?from=2026-10-01T12:00:00Z&to=2026-10-06T00:00:00Z&group_by=day')
      ).json()) as Report;
      expect(byDay.rows.map((row) => [row.group, row.requests]).sort()).toEqual([
        ['2026-10-01', 1],
        ['2026-10-02', 1],
        ['2026-10-03', 1],
        ['2026-10-05', 2],
      ]);
    });

    it('answers 400 naming the parameter for a bad from, to or group_by, and for to before from', async () => {
      const app = await start();
      for (const [query, field] of [
        ['from=yesterday', 'from'],
        ['to=2026-13-01T00:00:00Z', 'to'],
        ['group_by=provider', 'group_by'],
        ['from=2026-10-02T00:00:00Z&to=2026-10-01T00:00:00Z', 'to'],
      ] as const) {
        const response = await app.fetch(`/api/usage?${query}`);
        expect(response.status, query).toBe(400);
        expect(await response.json()).toMatchObject({ code: 'INVALID_INPUT', details: [{ field }] });
      }
    });
  });

  describe('aborted streams', () => {
    it('records an aborted stream once, with NULL tokens when the upstream reported none', async () => {
      const app = await start({ ollama: { tokens: Array.from({ length: 40 }, () => 'x'), tokenDelayMs: 30 } });
      const controller = new AbortController();
      const response = await app.post('/api/chat/stream', { message: 'Long' }, { signal: controller.signal });
      const reader = response.body?.getReader();
      await reader?.read();
      controller.abort();
      const rows = await eventually(async () => {
        const found = await usageRows(app);
        return found.length === 1 ? found : undefined;
      }, 5000);
      expect(rows[0]).toMatchObject({ outcome: 'aborted', input_tokens: null, output_tokens: null, route: '/api/chat/stream' });
      // Nothing else arrives later.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await usageRows(app)).toHaveLength(1);
    });
  });
}
