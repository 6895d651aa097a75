/**
 * `edge-llm validate-config`: checks a configuration with the server's own schema (`parseConfig`,
 * then the model registry it builds) without starting anything; every problem is printed naming its
 * variable. `--check-providers` also reaches each configured provider through the registry's own
 * health check, from this machine.
 */
import { readFile } from 'node:fs/promises';
import { parseEnv } from 'node:util';
import type { Command } from 'commander';
import type { ProviderHealth } from '../client/api-types.ts';
import { CliFailure, type CliContext } from './cli-context.ts';
import { formatDuration, formatTable, writeJson } from './output.ts';

interface ValidateOptions {
  envFile?: string;
  checkProviders?: boolean;
}

export interface ConfigProblem {
  variable: string;
  message: string;
}

/** `PORT: Too big: …` → { variable: 'PORT', message: 'Too big: …' }. */
export function toProblem(text: string): ConfigProblem {
  const colon = text.indexOf(': ');
  return colon === -1
    ? { variable: '(configuration)', message: text }
    : { variable: text.slice(0, colon), message: text.slice(colon + 2) };
}

const providerCheckTimeoutMs = 10_000;

async function readEnvironment(options: ValidateOptions, context: CliContext): Promise<Record<string, string | undefined>> {
  if (options.envFile === undefined) return { ...context.environment };
  let text: string;
  try {
    text = await readFile(options.envFile, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new CliFailure(`cannot read ${options.envFile} (${code})`);
  }
  return parseEnv(text);
}

/**
 * The server's own checks: `parseConfig`, then the model registry it builds (aliases). parseConfig
 * reports the schema's problems before the providers' (it needs valid values to read those), so the
 * variables it named are left out and it runs again, until it names no new one: every problem is
 * found in one go.
 */
async function checkConfiguration(environment: Record<string, string | undefined>) {
  // The server's modules load only for this command (the AI SDK providers take a moment to load).
  const [{ ConfigError, parseConfig }, { buildModelRegistry }] = await Promise.all([
    import('../config.ts'),
    import('../providers/build-registry.ts'),
  ]);
  const problems: ConfigProblem[] = [];
  const remaining = { ...environment };
  for (let round = 0; round < 10; round += 1) {
    try {
      const parsed = parseConfig(remaining);
      const registry = await buildModelRegistry(parsed);
      return round === 0 ? { problems, parsed, registry } : { problems, parsed: undefined, registry: undefined };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const found = error.problems
        .map(toProblem)
        .filter((problem) => !problems.some((known) => known.variable === problem.variable));
      if (found.length === 0) break;
      problems.push(...found);
      for (const problem of found) remaining[problem.variable] = undefined;
    }
  }
  return { problems, parsed: undefined, registry: undefined };
}

export function registerValidateConfig(program: Command, context: CliContext): void {
  program
    .command('validate-config')
    .description("check a server configuration with the server's own schema, starting nothing; exit 1 on any problem")
    .option('--env-file <file>', 'check the variables of this file (KEY=value lines, as .dev.vars) instead of the environment')
    .option('--check-providers', 'also reach every configured provider (its health check, from this machine)')
    .action(async (options: ValidateOptions, command: Command) => {
      const { json } = context.globals(command);
      const environment = await readEnvironment(options, context);
      const { problems, parsed, registry } = await checkConfiguration(environment);
      const providers = (parsed?.providers ?? []).map((provider) => ({
        name: provider.name,
        kind: provider.kind,
        host: new URL(provider.baseUrl).host,
        models: provider.models ?? null,
      }));
      let health: Record<string, ProviderHealth> | undefined;
      if (options.checkProviders === true && registry !== undefined)
        health = await registry.health(AbortSignal.timeout(providerCheckTimeoutMs));
      const unreachable = Object.entries(health ?? {}).filter(([, check]) => !check.ok);

      if (json) {
        writeJson(context.io.stdout, {
          valid: problems.length === 0,
          source: options.envFile ?? 'environment',
          problems,
          providers,
          absent_providers: parsed?.absentProviders ?? [],
          default_model: parsed?.OLLAMA_MODEL ?? parsed?.DEFAULT_MODEL ?? null,
          ...(health === undefined ? {} : { provider_checks: health }),
        });
      } else {
        const colors = context.colors.stdout;
        const out = context.io.stdout;
        for (const problem of problems) out.write(`${colors.red(problem.variable)}: ${problem.message}\n`);
        if (parsed !== undefined) {
          out.write(`${colors.green('valid')}: ${options.envFile ?? 'the environment'}\n`);
          for (const provider of providers)
            out.write(
              `provider ${provider.name} (${provider.kind}) at ${provider.host}, models ${provider.models?.join(',') ?? 'any'}\n`,
            );
          for (const absent of parsed.absentProviders)
            out.write(colors.dim(`provider ${absent.name} left out: ${absent.reason}\n`));
          out.write(`default model ${parsed.OLLAMA_MODEL ?? parsed.DEFAULT_MODEL}\n`);
        }
        if (health !== undefined)
          out.write(
            formatTable<[string, ProviderHealth]>(
              [
                { header: 'provider', value: ([name]) => name },
                { header: 'ok', value: ([, check]) => (check.ok ? colors.green('ok') : colors.red('failed')) },
                { header: 'latency', value: ([, check]) => formatDuration(check.latency_ms), align: 'right' },
                { header: 'error', value: ([, check]) => check.error ?? '' },
              ],
              Object.entries(health),
              colors,
            ),
          );
      }
      if (problems.length > 0)
        throw new CliFailure(
          `${String(problems.length)} problem${problems.length === 1 ? '' : 's'} in the configuration: ${problems.map((problem) => problem.variable).join(', ')}`,
        );
      if (unreachable.length > 0)
        throw new CliFailure(`provider ${unreachable.map(([name]) => name).join(', ')} cannot be reached`);
    });
}
