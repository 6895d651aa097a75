/** Colours only on a terminal, and never with NO_COLOR (no-color.org). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { runCli, startCliInTerminal } from './cli-process.ts';

// eslint-disable-next-line no-control-regex -- looking for the escape character itself
const colourCode = /\u001b\[\d+m/;

// Every test runs the CLI as child processes, each starting Node: slower than in-process tests on a busy machine.
describe('edge-llm colours', { timeout: 60_000 }, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('colours the health table on a terminal', async () => {
    const cli = startCliInTerminal(['health-check', '--url', app.url]);
    expect((await cli.exited()).code).toBe(0);
    expect(cli.output()).toMatch(colourCode);
    expect(cli.output()).toContain('\u001b[32mok\u001b[39m');
  });

  it('prints no colour codes with NO_COLOR set, on a terminal too', async () => {
    const cli = startCliInTerminal(['health-check', '--url', app.url], { env: { NO_COLOR: '1' } });
    expect((await cli.exited()).code).toBe(0);
    expect(cli.output()).toContain('ready');
    expect(cli.output()).not.toMatch(colourCode);
  });

  it('prints no colour codes into a pipe, errors included', async () => {
    const ok = await runCli(['health-check', '--url', app.url]);
    expect(ok.stdout).not.toMatch(colourCode);
    const failed = await runCli(['query', 'Hi', '--url', app.url, '--model', 'ollama/nope']);
    expect(failed.stderr).toMatch(/^edge-llm: /);
    expect(failed.stderr).not.toMatch(colourCode);
  });
});
