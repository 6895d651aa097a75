/** The `edge-llm` program: global options, every command, and how a failure becomes one line. */
import { Command, CommanderError } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { registerBatch } from './batch.ts';
import { registerChat } from './chat.ts';
import { CliFailure, type CliContext } from './cli-context.ts';
import { registerCompare } from './compare.ts';
import { describeFailure } from './failure.ts';
import { registerHealthCheck } from './health-check.ts';
import { registerHistory } from './history.ts';
import { registerKeys } from './keys.ts';
import { registerModels } from './models.ts';
import { registerPull } from './pull.ts';
import { registerQuery } from './query.ts';
import { registerUsage } from './usage.ts';
import { registerValidateConfig } from './validate-config.ts';

export const defaultUrl = 'http://localhost:8787';

export function buildProgram(context: CliContext): Command {
  const program = new Command('edge-llm')
    .description(
      'The command-line client of edge-llm-api: query, chat, batch and compare models, manage keys, history and models.',
    )
    .version(packageJson.version)
    .option('--url <url>', `the API's address (default: $EDGE_LLM_URL or ${defaultUrl})`)
    .option('--api-key <key>', 'API key or session token (default: $EDGE_LLM_API_KEY)')
    .option('--json', 'machine-readable JSON output')
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeOut: (text) => context.io.stdout.write(text),
      writeErr: (text) => context.io.stderr.write(text),
      outputError: (text, write) => {
        write(context.colors.stderr.red(text));
      },
    })
    .exitOverride();
  for (const register of [
    registerQuery,
    registerChat,
    registerBatch,
    registerCompare,
    registerModels,
    registerPull,
    registerHealthCheck,
    registerValidateConfig,
    registerKeys,
    registerUsage,
    registerHistory,
  ])
    register(program, context);
  return program;
}

/** Runs the program on `argv` (without node and the script); resolves with the exit code. */
export async function runProgram(context: CliContext, argv: string[]): Promise<number> {
  const program = buildProgram(context);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    // Commander has already printed its own one-line usage errors, help and version.
    if (error instanceof CommanderError) return error.exitCode;
    const exitCode = error instanceof CliFailure ? error.exitCode : 1;
    if (error instanceof CliFailure && error.reported) return exitCode;
    context.io.stderr.write(`${context.colors.stderr.red(`edge-llm: ${describeFailure(error)}`)}\n`);
    return exitCode;
  }
}
