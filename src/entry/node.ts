import { serve } from '@hono/node-server';
import { createApp } from '../app.ts';
import { ConfigError } from '../config.ts';
import { buildLibsqlDependencies } from './libsql-dependencies.ts';
import { createNodeFetch } from './node-fetch.ts';

/** Above cloudflared's and most proxies' 90 s pool timeout, so pooled connections are not reset. */
const keepAliveTimeoutMs = 100_000;

async function main(): Promise<void> {
  const dependencies = await buildLibsqlDependencies(process.env, { fetch: createNodeFetch() });
  const { config, logger, database } = dependencies;
  const app = createApp(dependencies);
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (address) => {
    logger.info('listening', {
      url: `http://${config.HOST}:${String(address.port)}`,
      ollama: new URL(config.OLLAMA_BASE_URL).host,
    });
  });
  if ('keepAliveTimeout' in server) {
    server.keepAliveTimeout = keepAliveTimeoutMs;
    server.headersTimeout = keepAliveTimeoutMs + 1_000;
  }
  const shutdown = (signal: string) => {
    logger.info('shutting down', { signal });
    server.close(() => {
      database.close();
      process.exit(0);
    });
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error('start-up failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
