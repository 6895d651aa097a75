/** `edge-llm query` as a child process against a real server with the fake Ollama. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { adminKey } from '../suites/auth-support.ts';
import { runCli } from './cli-process.ts';

// Every test runs the CLI as child processes, each starting Node: slower than in-process tests on a busy machine.
describe('edge-llm query', { timeout: 60_000 }, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { MODEL_PRICES: 'ollama/*=2/4' }, ollama: { promptEvalCount: 7 } });
  });
  afterAll(() => app.close());
  const env = () => ({ EDGE_LLM_URL: app.url });

  it('streams the answer to stdout and prints model, tokens, time to first token and cost on stderr with --stats', async () => {
    const result = await runCli(['query', 'Say hello', '--stats'], { env: env() });
    expect(result).toMatchObject({ code: 0, stdout: 'Hello, world!\n' });
    // The fake Ollama reports 7 input and 4 output tokens: (7 × 2 + 4 × 4) / 1e6 dollars.
    expect(result.stderr).toMatch(
      /^ollama\/llama3\.2 · 7 in \/ 4 out tokens · first token \d+ ms · total \d+ ms · cost \$0\.000030 · conversation [0-9a-f-]{36}\n$/,
    );
    const conversationId = /conversation ([0-9a-f-]{36})/.exec(result.stderr)?.[1] ?? '';
    const stored = await app.query<{ role: string; status: string }>(
      'select role, status from messages where conversation_id = ? order by sequence',
      [conversationId],
    );
    expect(stored).toEqual([
      { role: 'user', status: 'complete' },
      { role: 'assistant', status: 'complete' },
    ]);
  });

  it('reads the prompt from stdin with "-" and prints the whole report with --json', async () => {
    const result = await runCli(['query', '-', '--json'], { env: env(), input: 'A question from a pipe\n' });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      conversation_id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
      message_id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
      model: 'ollama/llama3.2',
      response: 'Hello, world!',
      finish_reason: 'stop',
      usage: { input_tokens: 7, output_tokens: 4 },
      time_to_first_token_ms: expect.any(Number) as unknown,
      total_ms: expect.any(Number) as unknown,
      cost_usd: (7 * 2 + 4 * 4) / 1_000_000,
    });
    const last = app.ollama.requests.at(-1)?.body as { messages: { role: string; content: string }[] };
    expect(last.messages.at(-1)).toEqual({ role: 'user', content: 'A question from a pipe' });
  });

  it('sends --model, --system, --temperature and --max-tokens, also with --no-stream (POST /api/chat)', async () => {
    const result = await runCli(
      [
        'query',
        'Be brief',
        '--model',
        'ollama/llama3.2:1b',
        '--system',
        'You are terse.',
        '-t',
        '0.2',
        '--max-tokens',
        '50',
        '--no-stream',
      ],
      { env: env() },
    );
    expect(result).toMatchObject({ code: 0, stdout: 'Hello, world!\n', stderr: '' });
    const request = app.ollama.requests.at(-1);
    expect(request?.path).toBe('/api/chat');
    expect(request?.body).toMatchObject({
      model: 'llama3.2:1b',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Be brief' },
      ],
      options: { temperature: 0.2, num_predict: 50 },
    });
  });

  it('fails with exit code 1 and one line on stderr, no stack trace, for an unknown model, a refused value and an unreachable server', async () => {
    const unknown = await runCli(['query', 'Hi', '--model', 'ollama/nope'], { env: env() });
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toBe('edge-llm: Model not found (model: the model server does not have this model) [NOT_FOUND 404]\n');

    const refused = await runCli(['query', 'Hi', '--temperature', '7'], { env: env() });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe("error: option '-t, --temperature <t>' argument '7' is invalid. must be a number from 0 to 2\n");

    const unreachable = await runCli(['query', 'Hi', '--url', 'http://127.0.0.1:9']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^edge-llm: Cannot reach http:\/\/127\.0\.0\.1:9 \(.+\) \[UNREACHABLE\]\n$/);

    const empty = await runCli(['query', '-'], { env: env(), input: '  \n' });
    expect(empty).toMatchObject({ code: 1, stderr: 'edge-llm: the prompt is empty\n' });
  });

  it('keeps the text that streamed when the answer breaks off, then fails with the error event as one line', async () => {
    app.ollama.enqueue({ fault: { kind: 'error-after-tokens', after: 2, message: 'CUDA out of memory at /secret/path' } });
    const result = await runCli(['query', 'Hi'], { env: env() });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('Hello,\n');
    expect(result.stderr).toBe('edge-llm: The model server reported an error [UPSTREAM_ERROR]\n');
  });

  it('says so in one line when --url is not this API', async () => {
    const result = await runCli(['models', '--url', app.ollama.url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `edge-llm: ${app.ollama.url} answered 404 with something other than this API's JSON (is --url the API?) [BAD_RESPONSE 404]\n`,
    );
  });

  it('sends --api-key or EDGE_LLM_API_KEY as the bearer, and a server that requires one answers 401 without it', async () => {
    const secured = await startTestApp({ env: { AUTH_REQUIRED: 'true', ADMIN_API_KEY: adminKey } });
    try {
      const without = await runCli(['query', 'Hi', '--url', secured.url]);
      expect(without.code).toBe(1);
      expect(without.stderr).toMatch(/^edge-llm: Authentication required.* \[UNAUTHORIZED 401\]\n$/);
      const withFlag = await runCli(['query', 'Hi', '--url', secured.url, '--api-key', adminKey]);
      expect(withFlag).toMatchObject({ code: 0, stdout: 'Hello, world!\n' });
      const withVariable = await runCli(['query', 'Hi'], { env: { EDGE_LLM_URL: secured.url, EDGE_LLM_API_KEY: adminKey } });
      expect(withVariable).toMatchObject({ code: 0, stdout: 'Hello, world!\n' });
    } finally {
      await secured.close();
    }
  });
});
