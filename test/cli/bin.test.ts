/** The `edge-llm` bin as npx finds it, and its launcher on a Node that does not strip types by itself. */
import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { startTestApp } from '../helpers/test-app.ts';
import { binPath, runCli, startCliInTerminal } from './cli-process.ts';

function run(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, { cwd: new URL('../..', import.meta.url), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

// Every test runs the CLI as child processes, each starting Node: slower than in-process tests on a busy machine.
describe('the edge-llm bin', { timeout: 60_000 }, () => {
  it('is an executable node script named in package.json, which npx runs from the project', async () => {
    expect(packageJson.bin).toEqual({ 'edge-llm': 'bin/edge-llm.js' });
    expect((await readFile(binPath, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect((await stat(binPath)).mode & 0o111).not.toBe(0);
    const result = await run('npx', ['--offline', 'edge-llm', '--version']);
    expect(result).toMatchObject({ code: 0, stdout: `${packageJson.version}\n` });
  }, 30_000);

  it('prints help listing every command, and exits 1 with one line for an unknown one', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of [
      'query',
      'chat',
      'batch',
      'compare',
      'models',
      'pull',
      'health-check',
      'validate-config',
      'keys',
      'usage',
      'history',
    ])
      expect(help.stdout).toMatch(new RegExp(`\\n  ${command} `));
    const unknown = await runCli(['frobnicate']);
    expect(unknown).toMatchObject({ code: 1, stdout: '', stderr: "error: unknown command 'frobnicate'\n" });
  });

  it('starts the entry in a child Node with --experimental-strip-types where types are not stripped by default, passing on exit codes and Ctrl+C', async () => {
    const app = await startTestApp({ ollama: { tokens: Array.from({ length: 30 }, () => 'x '), tokenDelayMs: 100 } });
    try {
      const launcher = (args: string[]) => run(process.execPath, ['--no-experimental-strip-types', binPath, ...args]);
      app.ollama.enqueue({ tokens: ['ok'], tokenDelayMs: 0 });
      expect(await launcher(['query', 'Hi', '--url', app.url])).toMatchObject({ code: 0, stdout: 'ok\n' });
      expect(await launcher(['query'])).toMatchObject({ code: 1, stderr: "error: missing required argument 'prompt'\n" });
      // In a terminal the child reads the keys: Ctrl+C stops the answer, and on an empty line leaves.
      const chat = startCliInTerminal(['chat', '--url', app.url], { nodeArguments: ['--no-experimental-strip-types'] });
      await chat.waitFor(/> /);
      chat.write('Hello\r');
      await chat.waitFor(/x x /);
      chat.write('\x03');
      await chat.waitFor(/stopped[\s\S]*> /);
      chat.write('\x03');
      expect((await chat.exited()).code).toBe(0);
      const answers = await app.query<{ status: string }>(
        "select status from messages where role = 'assistant' order by created_at",
      );
      expect(answers.map((answer) => answer.status)).toEqual(['complete', 'aborted']);
    } finally {
      await app.close();
    }
  });
});
