/** `edge-llm usage`: the table and JSON of GET /api/usage (API.md § Limits and usage), against the real API. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsageReport } from '../../src/client/api-types.ts';
import { formatUsage } from '../../src/cli/usage.ts';
import { eventually } from '../helpers/sse.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { adminKey } from '../suites/auth-support.ts';
import { plainText, runCli } from './cli-process.ts';
import pc from 'picocolors';

const report: UsageReport = {
  from: '2026-11-01T00:00:00.000Z',
  to: '2026-12-01T00:00:00.000Z',
  group_by: 'model',
  rows: [
    { group: 'openai/gpt-4o-mini', requests: 1204, input_tokens: 310_455, output_tokens: 98_112, cost_usd: 0.1054 },
    { group: 'ollama/llama3.2', requests: 87, input_tokens: 12_004, output_tokens: 20_871, cost_usd: 0 },
    { group: 'groq/llama-3.1-8b-instant', requests: 3, input_tokens: 96, output_tokens: 41, cost_usd: 0 },
  ],
  totals: { requests: 1294, input_tokens: 322_555, output_tokens: 119_024, cost_usd: 0.1054 },
};

// Every test runs the CLI as child processes, each starting Node: slower than in-process tests on a busy machine.
describe('edge-llm usage', { timeout: 60_000 }, () => {
  it('renders the report as a table with a totals row and the period', () => {
    expect(formatUsage(report, pc.createColors(false))).toBe(
      [
        'model                      requests  input tokens  output tokens     cost',
        '─────────────────────────  ────────  ────────────  ─────────────  ───────',
        'openai/gpt-4o-mini            1,204       310,455         98,112  $0.1054',
        'ollama/llama3.2                  87        12,004         20,871       $0',
        'groq/llama-3.1-8b-instant         3            96             41       $0',
        '─────────────────────────  ────────  ────────────  ─────────────  ───────',
        'total                         1,294       322,555        119,024  $0.1054',
        'from 2026-11-01T00:00:00.000Z to 2026-12-01T00:00:00.000Z (to excluded)',
        '',
      ].join('\n'),
    );
  });

  describe('as a child process, against the API', () => {
    let app: TestApp;
    let userKey: string;
    beforeAll(async () => {
      app = await startTestApp({
        env: { AUTH_REQUIRED: 'true', ADMIN_API_KEY: adminKey, MODEL_PRICES: 'ollama/*=1/2' },
        ollama: { tokens: ['a', 'b', 'c'], promptEvalCount: 5 },
      });
      // A key of another user than the admin (the built-in local one), so own usage and everyone's differ.
      const created = await app.post(
        '/api/keys',
        { name: 'cli user', user_id: 'local' },
        { headers: { authorization: `Bearer ${adminKey}` } },
      );
      userKey = ((await created.json()) as { key: string }).key;
      const call = (token: string, model: string) =>
        app
          .post('/api/generate', { prompt: 'Hi', model }, { headers: { authorization: `Bearer ${token}` } })
          .then((r) => r.text());
      await call(userKey, 'llama3.2');
      await call(userKey, 'llama3.2:1b');
      await call(adminKey, 'llama3.2');
      await eventually(async () => ((await app.query('select id from usage')).length === 3 ? true : undefined));
    }, 60_000);
    afterAll(() => app.close());

    it('prints what the usage ledger recorded, grouped as asked, for an admin everyone’s', async () => {
      const json = await runCli(['usage', '--url', app.url, '--api-key', adminKey, '--group-by', 'model', '--json']);
      expect(json.code).toBe(0);
      const body = JSON.parse(json.stdout) as UsageReport;
      expect(body.totals).toEqual({ requests: 3, input_tokens: 15, output_tokens: 9, cost_usd: (15 * 1 + 9 * 2) / 1_000_000 });
      expect(body.rows.map((row) => `${String(row.group)}=${String(row.requests)}`).sort()).toEqual([
        'ollama/llama3.2:1b=1',
        'ollama/llama3.2=2',
      ]);
      const table = await runCli(['usage', '--url', app.url, '--api-key', adminKey, '--group-by', 'day']);
      expect(table).toMatchObject({ code: 0, stderr: '' });
      const lines = plainText(table.stdout).split('\n');
      expect(lines[0]).toMatch(/^day\s+requests\s+input tokens\s+output tokens\s+cost$/);
      expect(lines[2]).toMatch(new RegExp(`^${new Date().toISOString().slice(0, 10)}\\s+3\\s+15\\s+9\\s`));
    });

    it('shows a key only its own usage, and takes --from and --to (from included, to excluded)', async () => {
      const own = await runCli(['usage', '--url', app.url, '--api-key', userKey, '--group-by', 'key', '--json']);
      const body = JSON.parse(own.stdout) as UsageReport;
      expect(body.totals.requests).toBe(2);
      const future = new Date(Date.now() + 3_600_000).toISOString();
      const empty = await runCli([
        'usage',
        '--url',
        app.url,
        '--api-key',
        adminKey,
        '--from',
        future,
        '--to',
        new Date(Date.now() + 7_200_000).toISOString(),
        '--json',
      ]);
      expect((JSON.parse(empty.stdout) as UsageReport).totals.requests).toBe(0);
      const backwards = await runCli([
        'usage',
        '--url',
        app.url,
        '--api-key',
        adminKey,
        '--from',
        future,
        '--to',
        new Date().toISOString(),
      ]);
      expect(backwards.code).toBe(1);
      expect(backwards.stderr).toMatch(/INVALID_INPUT/);
    });

    it('refuses a grouping the API does not have before sending anything', async () => {
      const result = await runCli(['usage', '--url', app.url, '--group-by', 'week']);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        "error: option '--group-by <grouping>' argument 'week' is invalid. must be one of model, day, key, user\n",
      );
    });
  });
});
