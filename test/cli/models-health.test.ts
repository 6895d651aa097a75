/** `edge-llm models` and `edge-llm health-check` as child processes. */
import { afterEach, describe, expect, it } from 'vitest';
import { unusedLocalUrl } from '../helpers/fake-ollama.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { runCli } from './cli-process.ts';

// Every test runs the CLI as child processes, each starting Node: slower than in-process tests on a busy machine.
describe('edge-llm models and health-check', { timeout: 60_000 }, () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it("prints the table of /api/models (provider, name, size, available) and the API's body with --json", async () => {
    app = await startTestApp({ env: { MODEL_ALIASES: 'fast=ollama/llama3.2:1b' } });
    const table = await runCli(['models', '--url', app.url]);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n').map((line) => line.replace(/\s+/g, ' ').trim())).toEqual([
      'provider name size available modified',
      expect.stringMatching(/^─+ ─+ ─+ ─+ ─+$/) as unknown,
      'ollama ollama/llama3.2:latest 2.0 GB yes 2026-10-01 12:00',
      'ollama ollama/llama3.2:1b 1.3 GB yes 2026-10-01 12:00',
      'alias fast → ollama/llama3.2:1b — yes —',
      '',
    ]);
    const json = await runCli(['models', '--url', app.url, '--json']);
    expect(JSON.parse(json.stdout)).toEqual(await (await app.fetch('/api/models')).json());
  });

  it('reports the database and each provider with latency and exits 0 when ready', async () => {
    app = await startTestApp();
    const result = await runCli(['health-check', '--url', app.url]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^check\s+ok\s+latency\s+error\n─+.*\ndatabase\s+ok\s+\d+ ms\nprovider ollama\s+ok\s+\d+ ms\n/);
    expect(result.stdout).toMatch(/: ready \(healthy, version 0\.1\.0\) in \d+ ms\n$/);
    const json = await runCli(['health-check', '--url', app.url, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ready: true,
      status: 'healthy',
      version: '0.1.0',
      latency_ms: { ready: expect.any(Number) as unknown, health: expect.any(Number) as unknown },
      checks: { database: { ok: true }, providers: { ollama: { ok: true } } },
    });
  });

  it('exits 1 with one line naming what failed when the API is not ready', async () => {
    app = await startTestApp({ ollamaUrl: await unusedLocalUrl() });
    const result = await runCli(['health-check', '--url', app.url]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/provider ollama\s+failed\s+\d+ ms\s+SERVICE_UNAVAILABLE\n/);
    expect(result.stdout).toMatch(/: not ready \(degraded, version 0\.1\.0\)/);
    expect(result.stderr).toBe('edge-llm: not ready: provider ollama failed\n');
  });
});
