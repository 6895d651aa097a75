/** `edge-llm validate-config` as a child process: the server's own schema, every problem named, --check-providers. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOllama, unusedLocalUrl, type FakeOllama } from '../helpers/fake-ollama.ts';
import { runCli } from './cli-process.ts';

// Every test runs the CLI as child processes, each starting Node: slower than in-process tests on a busy machine.
describe('edge-llm validate-config', { timeout: 60_000 }, () => {
  let folder: string;
  let ollama: FakeOllama;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'edge-llm-config-'));
    ollama = await startFakeOllama();
  });
  afterAll(async () => {
    await ollama.close();
    await rm(folder, { recursive: true, force: true });
  });
  const envFile = async (text: string) => {
    const path = join(folder, `${String(Math.random()).slice(2)}.env`);
    await writeFile(path, text);
    return path;
  };

  it('prints every problem of an env file naming its variable, the providers’ too, and exits 1', async () => {
    const path = await envFile(
      [
        'PORT=eighty',
        'KEEPALIVE_SECONDS=-1',
        'ADMIN_API_KEY=too-short',
        'OPENAI_COMPATIBLE_PROVIDERS=groq',
        'GROQ_BASE_URL=not a url',
        'GROQ_HEADERS={"broken"',
        '# a comment',
      ].join('\n'),
    );
    const result = await runCli(['validate-config', '--env-file', path]);
    expect(result.code).toBe(1);
    const named = result.stdout
      .trim()
      .split('\n')
      .map((line) => line.slice(0, line.indexOf(':')));
    expect(named).toEqual(['PORT', 'KEEPALIVE_SECONDS', 'ADMIN_API_KEY', 'GROQ_BASE_URL', 'GROQ_HEADERS']);
    expect(result.stdout).toContain('ADMIN_API_KEY: must be at least 32 characters\n');
    expect(result.stdout).not.toContain('too-short');
    expect(result.stderr).toBe(
      'edge-llm: 5 problems in the configuration: PORT, KEEPALIVE_SECONDS, ADMIN_API_KEY, GROQ_BASE_URL, GROQ_HEADERS\n',
    );
    const json = await runCli(['validate-config', '--env-file', path, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      valid: false,
      source: path,
      problems: [
        { variable: 'PORT', message: expect.any(String) as unknown },
        { variable: 'KEEPALIVE_SECONDS' },
        { variable: 'ADMIN_API_KEY', message: 'must be at least 32 characters' },
        { variable: 'GROQ_BASE_URL' },
        { variable: 'GROQ_HEADERS' },
      ],
    });
  });

  it('checks the environment when no file is given, and reports a valid configuration with its providers', async () => {
    const bad = await runCli(['validate-config'], { env: { DEFAULT_PROVIDER: 'nowhere' } });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe("DEFAULT_PROVIDER: provider 'nowhere' is not configured\n");

    const good = await runCli(['validate-config', '--json'], {
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_MODELS: 'gpt-4o-mini', MODEL_ALIASES: 'fast=ollama/llama3.2:1b' },
    });
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toEqual({
      valid: true,
      source: 'environment',
      problems: [],
      providers: [
        { name: 'ollama', kind: 'ollama', host: 'localhost:11434', models: null },
        { name: 'openai', kind: 'openai', host: 'api.openai.com', models: ['gpt-4o-mini'] },
      ],
      absent_providers: [{ name: 'anthropic', reason: expect.stringContaining('ANTHROPIC_API_KEY') as unknown }],
      default_model: 'llama3.2',
    });
    expect(JSON.stringify(JSON.parse(good.stdout))).not.toContain('sk-test');
  });

  it("reaches each provider with --check-providers through the registry's health check, exit 1 when one cannot be reached", async () => {
    const up = await runCli(['validate-config', '--check-providers'], { env: { OLLAMA_BASE_URL: ollama.url } });
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/ollama\s+ok\s+\d+ ms\n/);
    expect(ollama.hits('/api/version')).toBe(1);

    const down = await runCli(['validate-config', '--check-providers'], { env: { OLLAMA_BASE_URL: await unusedLocalUrl() } });
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/ollama\s+failed\s+\d+ ms\s+SERVICE_UNAVAILABLE\n/);
    expect(down.stderr).toBe('edge-llm: provider ollama cannot be reached\n');
  });

  it('fails with one line naming a file that does not exist', async () => {
    // Node itself checks a file after --env-file, even one meant for the script (nodejs/node#54232):
    // `node: FILE: not found`, exit code 9, before the CLI runs.
    const missing = join(folder, 'missing.env');
    const result = await runCli(['validate-config', '--env-file', missing]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringContaining(`${missing}: not found`)]);
  });
});
