/** `edge-llm pull NAME`: downloads an Ollama model through the API (POST /api/models/pull, admin only), with a progress bar. */
import type { Command } from 'commander';
import type { CliContext } from './cli-context.ts';
import { formatBytes } from './output.ts';
import { pullProgress } from './progress.ts';

export function registerPull(program: Command, context: CliContext): void {
  program
    .command('pull <model>')
    .description('pull an Ollama model onto its server through the API (admin): ollama/llama3.2:1b, gpu/llama3.1')
    .action(async (model: string, _options: unknown, command: Command) => {
      const { json } = context.globals(command);
      const { stdout, stderr } = context.io;
      const stream = await context.client(command).stream('/api/models/pull', { model });
      const pulled = stream.headers.get('x-model') ?? model;
      const bar = json ? undefined : pullProgress(stderr);
      let lastStatus: string | undefined;
      let done = false;
      try {
        for await (const event of stream.events) {
          if (json) stdout.write(`${JSON.stringify(event)}\n`);
          if (event['done'] === true) {
            done = true;
            continue;
          }
          const status = typeof event['status'] === 'string' ? event['status'] : undefined;
          if (status === undefined || json) continue;
          const total = typeof event['total'] === 'number' ? event['total'] : undefined;
          const completed = typeof event['completed'] === 'number' ? event['completed'] : 0;
          if (bar !== undefined && total !== undefined) {
            bar.layer(status, completed, total);
            continue;
          }
          bar?.stop();
          // Without a terminal: each step once, a layer with its size.
          if (status !== lastStatus) stderr.write(`${status}${total === undefined ? '' : ` ${formatBytes(total)}`}\n`);
          lastStatus = status;
        }
      } finally {
        bar?.stop();
      }
      if (!done) throw new Error('the pull ended before it was done');
      if (!json) stdout.write(`${context.colors.stdout.green('pulled')} ${pulled}\n`);
    });
}
