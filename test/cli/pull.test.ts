/** `edge-llm pull` as a child process: Ollama's /api/pull progress relayed by POST /api/models/pull. */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { adminKey, authRequired } from '../suites/auth-support.ts';
import { plainText, runCli, startCliInTerminal } from './cli-process.ts';

// Every test runs the CLI as child processes, each starting Node: slower than in-process tests on a busy machine.
describe('edge-llm pull', { timeout: 60_000 }, () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it("prints each step of Ollama's progress once without a terminal, and the model is then listed", async () => {
    app = await startTestApp();
    const result = await runCli(['pull', 'ollama/qwen3:0.6b', '--url', app.url]);
    expect(result).toMatchObject({ code: 0, stdout: 'pulled ollama/qwen3:0.6b\n' });
    expect(result.stderr.split('\n')).toEqual([
      'pulling manifest',
      expect.stringMatching(/^pulling [0-9a-f]{12} 1\.3 GB$/) as unknown,
      expect.stringMatching(/^pulling [0-9a-f]{12} 96 B$/) as unknown,
      'verifying sha256 digest',
      'writing manifest',
      'success',
      '',
    ]);
    const models = await runCli(['models', '--url', app.url, '--json']);
    expect((JSON.parse(models.stdout) as { models: { name: string }[] }).models.map((model) => model.name)).toContain(
      'ollama/qwen3:0.6b',
    );
  });

  it('passes the events on as JSON lines with --json', async () => {
    app = await startTestApp();
    const result = await runCli(['pull', 'llama3.2:1b', '--url', app.url, '--json']);
    expect(result.code).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events[0]).toEqual({ status: 'pulling manifest' });
    expect(events[2]).toMatchObject({ completed: 660_541_344, total: 1_321_082_688 });
    expect(events.slice(-2)).toEqual([{ status: 'success' }, { done: true }]);
  });

  it('draws a progress bar of the layer being downloaded on a terminal', async () => {
    app = await startTestApp({ ollama: { pullStepDelayMs: 20 } });
    const cli = startCliInTerminal(['pull', 'ollama/qwen3:0.6b', '--url', app.url]);
    const { code } = await cli.exited();
    expect(code).toBe(0);
    const screen = plainText(cli.output());
    expect(screen).toMatch(/pulling [0-9a-f]{12} █+ 100% \| 1\.3 GB\/1\.3 GB/);
    expect(screen).toContain('pulled ollama/qwen3:0.6b');
  });

  it('exits 1 with one line when the registry has no such model, for a non-admin key, and for a cloud model', async () => {
    app = await startTestApp({
      env: authRequired({ OPENAI_API_KEY: 'sk-test-never-sent' }),
      ollama: { pullError: 'pull model manifest: file does not exist' },
    });
    const missing = await runCli(['pull', 'ollama/no-such-model', '--url', app.url, '--api-key', adminKey]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('pulling manifest\nedge-llm: The model server found no such model to pull [NOT_FOUND]\n');

    const created = await runCli(['keys', 'create', 'user key', '--url', app.url, '--api-key', adminKey]);
    const userKey = created.stdout.trim();
    const forbidden = await runCli(['pull', 'ollama/llama3.2:1b', '--url', app.url, '--api-key', userKey]);
    expect(forbidden).toMatchObject({ code: 1, stderr: 'edge-llm: Pulling models is for admins only [FORBIDDEN 403]\n' });

    const cloud = await runCli(['pull', 'openai/gpt-4o-mini', '--url', app.url, '--api-key', adminKey]);
    expect(cloud.code).toBe(1);
    expect(cloud.stderr).toMatch(/^edge-llm: 'openai\/gpt-4o-mini' is not on an Ollama server .* \[INVALID_INPUT 400\]\n$/);
  });
});
