/** `edge-llm compare` as a child process: models side by side, the table, --json, cost from the stored answers. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { runCli } from './cli-process.ts';

// Every test runs the CLI as child processes, each starting Node: slower than in-process tests on a busy machine.
describe('edge-llm compare', { timeout: 60_000 }, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      env: { MODEL_PRICES: 'ollama/llama3.2:1b=1/2', MODEL_ALIASES: 'fast=ollama/llama3.2:1b' },
      ollama: { promptEvalCount: 10, firstTokenDelayMs: 400 },
    });
  });
  afterAll(() => app.close());
  beforeEach(async () => {
    await app.query('delete from conversations');
    app.ollama.reset();
    app.ollama.setBehaviour({ promptEvalCount: 10, firstTokenDelayMs: 400 });
  });
  const env = () => ({ EDGE_LLM_URL: app.url });

  it('asks every model at once and prints a table of first token, total, tokens, cost and an answer preview', async () => {
    const result = await runCli(['compare', 'Say hi', '--models', 'ollama/llama3.2,fast'], { env: env() });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^model\s+first token\s+total\s+tokens in\/out\s+cost\s+answer$/);
    expect(lines[2]).toMatch(/^ollama\/llama3\.2\s+\d+ ms\s+\d+ ms\s+10\/4\s+—\s+Hello, world!$/);
    // (10 × 1 + 4 × 2) / 1e6 dollars, as stored with the answer.
    expect(lines[3]).toMatch(/^fast → ollama\/llama3\.2:1b\s+\d+ ms\s+\d+ ms\s+10\/4\s+\$0\.000018\s+Hello, world!$/);
    expect(lines).toHaveLength(4);
    // Side by side: both requests reached the model server before either answer (400 ms) could have.
    const [first, second] = app.ollama.requests
      .filter((request) => request.path === '/api/chat')
      .map((request) => request.receivedAt);
    expect(Math.abs((first ?? 0) - (second ?? 0))).toBeLessThan(400);
    // The conversations were only the means: deleted afterwards, a failed model's too.
    expect(await app.query('select id from conversations')).toEqual([]);
  });

  it('gives the full answers and timings with --json, keeps the conversations with --keep, and exits 1 naming a model that failed', async () => {
    app.ollama.setBehaviour({
      tokens: ['A', ' longer', ' answer', ' than', ' the', ' preview', ' column', ' shows', ' in', ' the', ' table.'],
    });
    const result = await runCli(['compare', 'Explain', '--models', 'ollama/llama3.2:1b,ollama/nope', '--json', '--keep'], {
      env: env(),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('edge-llm: 1 of 2 models failed: ollama/nope\n');
    const body = JSON.parse(result.stdout) as { prompt: string; results: Record<string, unknown>[] };
    expect(body.prompt).toBe('Explain');
    expect(body.results).toEqual([
      {
        model: 'ollama/llama3.2:1b',
        answered_by: 'ollama/llama3.2:1b',
        time_to_first_token_ms: expect.any(Number) as unknown,
        total_ms: expect.any(Number) as unknown,
        usage: { input_tokens: 10, output_tokens: 11 },
        cost_usd: (10 * 1 + 11 * 2) / 1_000_000,
        answer: 'A longer answer than the preview column shows in the table.',
        error: null,
        conversation_id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
      },
      {
        model: 'ollama/nope',
        answered_by: null,
        time_to_first_token_ms: null,
        total_ms: expect.any(Number) as unknown,
        usage: null,
        cost_usd: null,
        answer: '',
        error: 'NOT_FOUND: Model not found',
        conversation_id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
      },
    ]);
    expect((body.results[0]?.['time_to_first_token_ms'] as number) >= 400).toBe(true);
    const kept = await app.query<{ id: string }>('select id from conversations');
    expect(kept.map((row) => row.id).sort()).toEqual(body.results.map((row) => row['conversation_id']).sort());
  });

  it('leaves no conversation behind for a model that failed before its answer started', async () => {
    const result = await runCli(['compare', 'Hi', '--models', 'ollama/nope,ollama/gone'], { env: env() });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/ollama\/nope .*NOT_FOUND: Model not found\n/);
    expect(await app.query('select id from conversations')).toEqual([]);
  });
});
