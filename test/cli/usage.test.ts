/**
 * `edge-llm usage`: the table and JSON of GET /api/usage (API.md § Limits and usage). The route is
 * being built in parallel; until it lands this runs the CLI against a stand-in that answers with a
 * body written from the contract, and checks the query the CLI sends.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsageReport } from '../../src/client/api-types.ts';
import { formatUsage } from '../../src/cli/usage.ts';
import { listenOnLoopback } from '../helpers/listen-local.ts';
import { runCli } from './cli-process.ts';
import pc from 'picocolors';

const report: UsageReport = {
  from: '2026-11-01T00:00:00.000Z',
  to: '2026-12-01T00:00:00.000Z',
  group_by: 'model',
  rows: [
    { group: 'openai/gpt-4o-mini', requests: 1204, input_tokens: 310_455, output_tokens: 98_112, cost_usd: 0.1054 },
    { group: 'ollama/llama3.2', requests: 87, input_tokens: 12_004, output_tokens: 20_871, cost_usd: 0 },
    { group: 'groq/llama-3.1-8b-instant', requests: 3, input_tokens: 96, output_tokens: 41, cost_usd: null },
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
        'groq/llama-3.1-8b-instant         3            96             41        —',
        '─────────────────────────  ────────  ────────────  ─────────────  ───────',
        'total                         1,294       322,555        119,024  $0.1054',
        'from 2026-11-01T00:00:00.000Z to 2026-12-01T00:00:00.000Z (to excluded)',
        '',
      ].join('\n'),
    );
  });

  describe('as a child process', () => {
    let server: Server;
    let url: string;
    const seen: IncomingMessage[] = [];
    beforeAll(async () => {
      server = createServer((request, response) => {
        seen.push(request);
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ ...report, group_by: new URL(request.url ?? '/', 'http://x').searchParams.get('group_by') }),
        );
      });
      url = await listenOnLoopback(server);
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('sends --from, --to and --group-by as the query and prints the table, or the body with --json', async () => {
      const table = await runCli(['usage', '--url', url, '--from', '2026-11-01', '--to', '2026-12-01', '--group-by', 'day']);
      expect(table).toMatchObject({ code: 0, stderr: '' });
      expect(table.stdout.split('\n')[0]).toMatch(/^day\s+requests\s+input tokens\s+output tokens\s+cost$/);
      expect(seen.at(-1)?.url).toBe('/api/usage?from=2026-11-01&to=2026-12-01&group_by=day');

      const json = await runCli(['usage', '--url', url, '--json']);
      expect(JSON.parse(json.stdout)).toEqual(report);
      expect(seen.at(-1)?.url).toBe('/api/usage?group_by=model');
    });

    it('refuses a grouping the API does not have before sending anything', async () => {
      const before = seen.length;
      const result = await runCli(['usage', '--url', url, '--group-by', 'week']);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        "error: option '--group-by <grouping>' argument 'week' is invalid. must be one of model, day, key, user\n",
      );
      expect(seen.length).toBe(before);
    });
  });
});
