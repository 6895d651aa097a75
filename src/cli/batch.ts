/**
 * `edge-llm batch FILE`: every prompt of a file through POST /api/generate (stateless: nothing goes
 * into history), at most --concurrency at a time, one JSONL record per prompt as it finishes. A failed
 * prompt is a record with `error`, not the end of the batch.
 */
import { open, readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ApiError, type ApiClient } from '../client/api-client.ts';
import type { GenerateAnswer } from '../client/api-types.ts';
import { parseBatchInput, resumeFrom, type BatchItem, type BatchRecord } from './batch-input.ts';
import { CliFailure, type CliContext } from './cli-context.ts';
import { integerIn } from './cli-options.ts';
import { formatDuration } from './output.ts';
import { batchProgress } from './progress.ts';

interface BatchOptions {
  out?: string;
  concurrency: number;
  model?: string;
  resume?: boolean;
}

async function answer(client: ApiClient, item: BatchItem, model: string | undefined, now: () => number): Promise<BatchRecord> {
  const started = now();
  const chosen = item.model ?? model;
  try {
    const result = await client.post<GenerateAnswer>('/api/generate', {
      prompt: item.prompt,
      ...(chosen === undefined ? {} : { model: chosen }),
    });
    return {
      id: item.id,
      prompt: item.prompt,
      answer: result.response,
      model: result.model,
      tokens: { input: result.usage.input_tokens, output: result.usage.output_tokens },
      latency_ms: Math.round(now() - started),
      error: null,
    };
  } catch (error) {
    if (!ApiError.isInstance(error)) throw error;
    return {
      id: item.id,
      prompt: item.prompt,
      answer: null,
      model: chosen ?? null,
      tokens: null,
      latency_ms: Math.round(now() - started),
      error: `${error.code}: ${error.message}`,
    };
  }
}

/** Runs `work` on every item with at most `limit` running at once. */
async function eachWithLimit<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CliFailure(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
}

export function registerBatch(program: Command, context: CliContext): void {
  program
    .command('batch <file>')
    .description('answer every prompt of a .txt (one a line) or .jsonl ({"prompt","model"?,"id"?}) file; JSONL out')
    .option('-o, --out <file>', 'write the JSONL records here (default: stdout)')
    .option('-c, --concurrency <n>', 'prompts at once', integerIn(1, 64), 4)
    .option('-m, --model <name>', "model for lines that name none (default: the server's)")
    .option('--resume', 'skip ids already answered in --out; its failed lines are tried again')
    .action(async (file: string, options: BatchOptions, command: Command) => {
      const { json } = context.globals(command);
      const client = context.client(command);
      if (options.resume === true && options.out === undefined) throw new CliFailure('--resume needs --out (the file to resume)');
      const items = parseBatchInput(await readText(file), file);

      let skipped = new Set<string>();
      if (options.out !== undefined && options.resume === true) {
        const earlier = await readFile(options.out, 'utf8').catch(() => '');
        const { answered, kept } = resumeFrom(earlier);
        skipped = answered;
        // Failed and cut lines go, so every id ends with one line.
        await writeFile(options.out, kept.map((line) => `${line}\n`).join(''));
      }
      const output = options.out === undefined ? undefined : await open(options.out, options.resume === true ? 'a' : 'w');
      let writing = Promise.resolve();
      const write = (record: BatchRecord) => {
        const line = `${JSON.stringify(record)}\n`;
        writing = writing.then(async () => {
          if (output === undefined) context.io.stdout.write(line);
          else await output.write(line);
        });
        return writing;
      };

      const pending = items.filter((item) => !skipped.has(item.id));
      const started = context.now();
      const progress = json ? undefined : batchProgress(context.io.stderr, pending.length, context.now, context.colors.stderr);
      let failed = 0;
      try {
        await eachWithLimit(pending, options.concurrency, async (item) => {
          const record = await answer(client, item, options.model, context.now);
          if (record.error !== null) failed += 1;
          await write(record);
          progress?.tick(failed);
        });
      } finally {
        progress?.stop();
        await writing;
        await output?.close();
      }

      const elapsedMs = context.now() - started;
      const summary = {
        total: items.length,
        answered: pending.length - failed,
        failed,
        skipped: items.length - pending.length,
        elapsed_ms: Math.round(elapsedMs),
        out: options.out ?? null,
      };
      const rate = pending.length / Math.max(elapsedMs / 1000, 0.001);
      const text =
        `${String(summary.answered)} answered, ${String(failed)} failed, ${String(summary.skipped)} skipped of ${String(items.length)}` +
        ` in ${formatDuration(elapsedMs)} (${rate.toFixed(1)} prompts/s)${options.out === undefined ? '' : ` → ${options.out}`}`;
      if (json) context.io.stderr.write(`${JSON.stringify(summary)}\n`);
      if (failed > 0) throw new CliFailure(`${text}; the failed lines have an "error"`, { reported: json });
      if (!json) context.io.stderr.write(`${context.colors.stderr.dim(text)}\n`);
    });
}
