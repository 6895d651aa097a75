import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { createApp } from '../app.ts';
import { buildLibsqlDependencies } from './libsql-dependencies.ts';
import { nodeClientAddress } from './node-client-address.ts';
import { installStandardTextDecoderStream } from './node-text-decoder-stream.ts';
import { createNodeFetch } from './node-fetch.ts';
import { createNodeImageFetch } from './node-image-fetch.ts';
import { GenerationDrain } from '../runtime/generation-drain.ts';
import { runEntry, stopOnSignals } from './process-lifecycle.ts';
import { warnIfWebAppMissing, webAppFolder } from './web-app-files.ts';

/** Above cloudflared's and most proxies' 90 s pool timeout, so pooled connections are not reset. */
const keepAliveTimeoutMs = 100_000;

async function main(): Promise<void> {
  installStandardTextDecoderStream();
  const dependencies = await buildLibsqlDependencies(process.env, { fetch: createNodeFetch() });
  const { config, logger, database } = dependencies;
  warnIfWebAppMissing(logger);
  const drain = new GenerationDrain();
  const app = createApp({
    ...dependencies,
    drain,
    clientAddress: nodeClientAddress,
    imageFetch: createNodeImageFetch(),
    webAppFiles: serveStatic({ root: webAppFolder }),
  });
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
  stopOnSignals({
    server: {
      stopAccepting: () =>
        new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
        }),
      closeIdleConnections: () => {
        if ('closeIdleConnections' in server) server.closeIdleConnections();
      },
      closeAllConnections: () => {
        if ('closeAllConnections' in server) server.closeAllConnections();
      },
    },
    drain,
    graceMs: config.SHUTDOWN_GRACE_SECONDS * 1000,
    closeDatabase: () => {
      database.close();
    },
    logger,
  });
}

runEntry(main);
