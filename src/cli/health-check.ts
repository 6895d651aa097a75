/** `edge-llm health-check`: the database and every provider from /health/ready and /api/health, with latency. */
import type { Command } from 'commander';
import { ApiError } from '../client/api-client.ts';
import type { Health, Readiness } from '../client/api-types.ts';
import { CliFailure, type CliContext } from './cli-context.ts';
import { formatDuration, formatTable, writeJson } from './output.ts';

interface CheckRow {
  check: string;
  ok: boolean;
  latency_ms: number;
  error?: string | undefined;
}

interface Timed<T> {
  body: T | undefined;
  /** The round trip as the client saw it. */
  latency_ms: number;
  error: ApiError | undefined;
}

export function registerHealthCheck(program: Command, context: CliContext): void {
  program
    .command('health-check')
    .description('check the database and every provider (GET /health/ready and /api/health); exit 1 when not ready')
    .action(async (_options: unknown, command: Command) => {
      const { json } = context.globals(command);
      const client = context.client(command);
      const timed = async <T>(path: string): Promise<Timed<T>> => {
        const started = context.now();
        try {
          const answer = await client.call<T>('GET', path, { acceptStatuses: [503] });
          return { body: answer.body, latency_ms: Math.round(context.now() - started), error: undefined };
        } catch (error) {
          // /api/health needs a credential when auth is required; /health/ready never does.
          if (!ApiError.isInstance(error) || error.code === 'UNREACHABLE' || error.code === 'BAD_RESPONSE') throw error;
          return { body: undefined, latency_ms: Math.round(context.now() - started), error };
        }
      };
      const [ready, health] = await Promise.all([timed<Readiness>('/health/ready'), timed<Health>('/api/health')]);
      if (ready.body === undefined) throw ready.error ?? new CliFailure('/health/ready gave no answer');
      const { checks } = ready.body;
      const rows: CheckRow[] = [
        { check: 'database', ...checks.database },
        ...Object.entries(checks.providers).map(([name, check]) => ({ check: `provider ${name}`, ...check })),
      ];
      const isReady = ready.body.status === 'ready';
      if (json) {
        writeJson(context.io.stdout, {
          url: client.baseUrl,
          ready: isReady,
          status: health.body?.status ?? null,
          version: health.body?.version ?? null,
          latency_ms: { ready: ready.latency_ms, health: health.latency_ms },
          checks,
          ...(health.error ? { health_error: { code: health.error.code, message: health.error.message } } : {}),
        });
      } else {
        const colors = context.colors.stdout;
        context.io.stdout.write(
          formatTable<CheckRow>(
            [
              { header: 'check', value: (row) => row.check },
              { header: 'ok', value: (row) => (row.ok ? colors.green('ok') : colors.red('failed')) },
              { header: 'latency', value: (row) => formatDuration(row.latency_ms), align: 'right' },
              { header: 'error', value: (row) => row.error ?? '' },
            ],
            rows,
            colors,
          ),
        );
        const state = isReady ? colors.green('ready') : colors.red('not ready');
        const detail = health.body
          ? `${health.body.status}, version ${health.body.version}`
          : `/api/health: ${health.error?.code ?? 'no answer'}`;
        context.io.stdout.write(`${client.baseUrl}: ${state} (${detail}) in ${formatDuration(ready.latency_ms)}\n`);
      }
      if (!isReady) {
        const failed = rows.filter((row) => !row.ok).map((row) => row.check);
        throw new CliFailure(`not ready: ${failed.join(', ')} failed`);
      }
    });
}
