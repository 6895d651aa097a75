import { fileURLToPath } from 'node:url';
import type { AppDependencies } from '../app-env.ts';
import { parseConfig } from '../config.ts';
import { migrateLibsqlDatabase, openLibsqlDatabase } from '../db/libsql.ts';
import { createLogger } from '../logger.ts';
import { buildModelRegistry } from '../providers/build-registry.ts';

export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

/**
 * What Node, Bun and Deno share: configuration from an environment record, the libSQL database
 * (migrated on start) and the providers. `fetch` replaces the runtime's for upstream calls (Node's entry
 * passes a faster one).
 */
export async function buildLibsqlDependencies(
  environment: Record<string, string | undefined>,
  options: { fetch?: typeof fetch } = {},
): Promise<AppDependencies> {
  const config = parseConfig(environment);
  const logger = createLogger(config.LOG_LEVEL);
  const database = await openLibsqlDatabase({
    url: config.DATABASE_URL,
    authToken: config.DATABASE_AUTH_TOKEN,
    busyTimeoutMs: config.DATABASE_BUSY_TIMEOUT_MS,
  });
  await migrateLibsqlDatabase(database, migrationsFolder);
  const registry = await buildModelRegistry(config, { logger, ...(options.fetch === undefined ? {} : { fetch: options.fetch }) });
  return { config, database, registry, logger };
}
