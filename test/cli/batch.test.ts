/** `edge-llm batch` as a child process: .txt and .jsonl in, JSONL out, failures per line, --resume, bounded concurrency. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { plainText, runCli, startCliInTerminal } from './cli-process.ts';

const records = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

// Every test runs the CLI as child processes, each starting Node: slower than in-process tests on a busy machine.
describe('edge-llm batch', { timeout: 60_000 }, () => {
  let app: TestApp;
  let folder: string;
  beforeAll(async () => {
    app = await startTestApp({ ollama: { promptEvalCount: 5 } });
    folder = await mkdtemp(join(tmpdir(), 'edge-llm-batch-'));
  });
  afterAll(async () => {
    await app.close();
    await rm(folder, { recursive: true, force: true });
  });
  beforeEach(() => {
    app.ollama.reset();
    app.ollama.setBehaviour({ promptEvalCount: 5 });
  });
  const env = () => ({ EDGE_LLM_URL: app.url });
  const file = async (name: string, text: string) => {
    const path = join(folder, name);
    await writeFile(path, text);
    return path;
  };

  it('answers every line of a .txt file, skipping blank ones, as JSONL records on stdout', async () => {
    const input = await file('prompts.txt', 'What is 2+2?\n\nName a colour\n');
    const result = await runCli(['batch', input], { env: env() });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^2 answered, 0 failed, 0 skipped of 2 in \d+ ms \([\d.]+ prompts\/s\)\n$/);
    const lines = records(result.stdout).sort((a, b) => String(a['id']).localeCompare(String(b['id'])));
    expect(lines).toEqual([
      {
        id: '1',
        prompt: 'What is 2+2?',
        answer: 'Hello, world!',
        model: 'ollama/llama3.2',
        tokens: { input: 5, output: 4 },
        latency_ms: expect.any(Number) as unknown,
        error: null,
      },
      expect.objectContaining({ id: '3', prompt: 'Name a colour', answer: 'Hello, world!', error: null }) as unknown,
    ]);
    // Stateless: nothing went into history.
    expect(await app.query('select id from conversations')).toEqual([]);
  });

  it('records a failed line without stopping, exits 1 with one summary line, and --resume retries only the failed ids', async () => {
    const input = await file(
      'prompts.jsonl',
      [
        '{"id":"a","prompt":"One"}',
        '{"id":"b","prompt":"Two","model":"ollama/missing"}',
        '{"prompt":"Three","model":"ollama/llama3.2:1b"}',
      ].join('\n'),
    );
    const out = join(folder, 'answers.jsonl');
    const first = await runCli(['batch', input, '--out', out, '--concurrency', '2'], { env: env() });
    expect(first.code).toBe(1);
    expect(first.stdout).toBe('');
    expect(first.stderr).toMatch(
      /^edge-llm: 2 answered, 1 failed, 0 skipped of 3 in .* → .*answers\.jsonl; the failed lines have an "error"\n$/,
    );
    const written = new Map(records(await readFile(out, 'utf8')).map((record) => [record['id'], record]));
    expect([...written.keys()].sort()).toEqual(['3', 'a', 'b']);
    expect(written.get('b')).toMatchObject({
      answer: null,
      model: 'ollama/missing',
      tokens: null,
      error: 'NOT_FOUND: Model not found',
    });
    expect(written.get('3')).toMatchObject({ model: 'ollama/llama3.2:1b', error: null });
    expect(app.ollama.hits('/api/chat')).toBe(3);

    app.ollama.setModels(['llama3.2', 'llama3.2:1b', 'missing']);
    const resumed = await runCli(['batch', input, '--out', out, '--resume', '--json'], { env: env() });
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stderr)).toEqual({
      total: 3,
      answered: 1,
      failed: 0,
      skipped: 2,
      elapsed_ms: expect.any(Number) as unknown,
      out,
    });
    expect(app.ollama.hits('/api/chat')).toBe(4);
    const after = records(await readFile(out, 'utf8'));
    expect(after.map((record) => record['id']).sort()).toEqual(['3', 'a', 'b']);
    expect(after.find((record) => record['id'] === 'b')).toMatchObject({
      answer: 'Hello, world!',
      model: 'ollama/missing',
      error: null,
    });
  });

  it('keeps at most --concurrency prompts in flight', async () => {
    app.ollama.setBehaviour({ firstTokenDelayMs: 300 });
    const input = await file('six.txt', 'p1\np2\np3\np4\np5\np6\n');
    const result = await runCli(['batch', input, '--concurrency', '2'], { env: env() });
    expect(result.code).toBe(0);
    const received = app.ollama.requests.filter((request) => request.path === '/api/chat').map((request) => request.receivedAt);
    expect(received).toHaveLength(6);
    // A third prompt starts only when one of the first two has finished, 300 ms later at the earliest.
    for (let index = 2; index < received.length; index += 1)
      expect((received[index] ?? 0) - (received[index - 2] ?? 0)).toBeGreaterThanOrEqual(250);
  });

  it('draws a progress bar with the rate and ETA on a terminal', async () => {
    const input = await file('three.txt', 'a\nb\nc\n');
    const out = join(folder, 'three.jsonl');
    const cli = startCliInTerminal(['batch', input, '--out', out], { env: env() });
    const { code } = await cli.exited();
    expect(code).toBe(0);
    const screen = plainText(cli.output());
    expect(screen).toMatch(/█+ 3\/3 \| [\d.]+ prompts\/s \| ETA \d+s \| 0 failed/);
    expect(screen).toMatch(/3 answered, 0 failed, 0 skipped of 3/);
    expect(records(await readFile(out, 'utf8'))).toHaveLength(3);
  });

  it('stops before sending anything on a bad .jsonl line or a repeated id, naming the line', async () => {
    const notJson = await file('bad.jsonl', '{"prompt":"fine"}\n{prompt: oops}\n');
    const bad = await runCli(['batch', notJson], { env: env() });
    expect(bad).toMatchObject({ code: 1, stdout: '' });
    expect(bad.stderr).toBe(`edge-llm: ${notJson}:2: not JSON\n`);
    const repeated = await file('repeated.jsonl', '{"id":1,"prompt":"a"}\n{"id":"1","prompt":"b"}\n');
    const again = await runCli(['batch', repeated], { env: env() });
    expect(again.stderr).toBe(`edge-llm: ${repeated}:2: id "1" is already used on line 1\n`);
    const resumeWithoutOut = await runCli(['batch', notJson, '--resume'], { env: env() });
    expect(resumeWithoutOut).toMatchObject({ code: 1, stderr: 'edge-llm: --resume needs --out (the file to resume)\n' });
    expect(app.ollama.hits()).toBe(0);
  });
});
