/** `edge-llm keys create|list|revoke`: API keys (POST, GET and DELETE /api/keys). */
import type { Command } from 'commander';
import type { ApiKey, CreatedKey, CreateKeyRequest } from '../client/api-types.ts';
import type { CliContext } from './cli-context.ts';
import { integerIn, nameList } from './cli-options.ts';
import { dash, formatTable, formatTime, writeJson } from './output.ts';

interface CreateOptions {
  expiresAt?: string;
  userId?: string;
  role?: 'user' | 'admin';
  models?: string[];
  requestsPerMinute?: number;
  concurrentStreams?: number;
  tokensPerDay?: number;
}

function createBody(name: string, options: CreateOptions): CreateKeyRequest {
  const limits: NonNullable<CreateKeyRequest['limits']> = {};
  if (options.requestsPerMinute !== undefined) limits.requests_per_minute = options.requestsPerMinute;
  if (options.concurrentStreams !== undefined) limits.concurrent_streams = options.concurrentStreams;
  if (options.tokensPerDay !== undefined) limits.tokens_per_day = options.tokensPerDay;
  return {
    name,
    ...(options.expiresAt === undefined ? {} : { expires_at: options.expiresAt }),
    ...(options.userId === undefined ? {} : { user_id: options.userId }),
    ...(options.role === undefined ? {} : { role: options.role }),
    ...(options.models === undefined ? {} : { models: options.models }),
    ...(Object.keys(limits).length === 0 ? {} : { limits }),
  };
}

export function registerKeys(program: Command, context: CliContext): void {
  const keys = program.command('keys').description('create, list and revoke API keys');

  keys
    .command('create <name>')
    .description('create an API key; the key is printed once, alone on stdout (details on stderr)')
    .option('--expires-at <iso>', 'when the key stops working (ISO 8601)')
    .option('--user-id <id>', 'admin: the user the key belongs to')
    .option('--role <role>', 'admin: user or admin')
    .option('--models <list>', 'admin: the only models the key may call, comma-separated', nameList)
    .option('--requests-per-minute <n>', 'admin: model calls per minute', integerIn(1, 1_000_000))
    .option('--concurrent-streams <n>', 'admin: streams at once', integerIn(1, 10_000))
    .option('--tokens-per-day <n>', 'admin: token budget per UTC day (0: none)', integerIn(0, 1_000_000_000_000))
    .action(async (name: string, options: CreateOptions, command: Command) => {
      const created = await context.client(command).post<CreatedKey>('/api/keys', createBody(name, options));
      if (context.globals(command).json) {
        writeJson(context.io.stdout, created);
        return;
      }
      const colors = context.colors.stderr;
      context.io.stderr.write(
        `${colors.green('created')} key '${created.name}' (id ${created.id}, prefix ${created.prefix}, user ${created.user_id}, role ${created.role}); it is shown only now:\n`,
      );
      context.io.stdout.write(`${created.key}\n`);
    });

  keys
    .command('list')
    .description('list your keys (an admin: everyone’s, or one user’s)')
    .option('--user-id <id>', "admin: only this user's keys")
    .action(async (options: { userId?: string }, command: Command) => {
      const { keys: rows } = await context
        .client(command)
        .get<{ keys: ApiKey[] }>('/api/keys', { query: { user_id: options.userId } });
      if (context.globals(command).json) {
        writeJson(context.io.stdout, { keys: rows });
        return;
      }
      const colors = context.colors.stdout;
      context.io.stdout.write(
        formatTable<ApiKey>(
          [
            { header: 'id', value: (key) => key.id },
            { header: 'name', value: (key) => key.name },
            { header: 'prefix', value: (key) => key.prefix },
            { header: 'user', value: (key) => key.user_id },
            { header: 'role', value: (key) => key.role },
            { header: 'models', value: (key) => key.models?.join(',') ?? 'any' },
            { header: 'created', value: (key) => formatTime(key.created_at) },
            { header: 'expires', value: (key) => formatTime(key.expires_at) },
            { header: 'last used', value: (key) => formatTime(key.last_used_at) },
            { header: 'revoked', value: (key) => (key.revoked_at ? colors.red(formatTime(key.revoked_at)) : dash) },
          ],
          rows,
          colors,
        ),
      );
    });

  keys
    .command('revoke <id>')
    .description('revoke a key: from the next request on it is refused')
    .action(async (id: string, _options: unknown, command: Command) => {
      const answer = await context.client(command).delete<{ message: string }>(`/api/keys/${encodeURIComponent(id)}`);
      if (context.globals(command).json) writeJson(context.io.stdout, { id, ...answer });
      else context.io.stdout.write(`${answer.message}: ${id}\n`);
    });
}
