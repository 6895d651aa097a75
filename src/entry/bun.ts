import { serveStatic } from 'hono/bun';
import { createApp } from '../app.ts';
import { buildLibsqlDependencies } from './libsql-dependencies.ts';
import { GenerationDrain } from '../runtime/generation-drain.ts';
import { runEntry, stopOnSignals } from './process-lifecycle.ts';
import { warnIfWebAppMissing, webAppFolder } from './web-app-files.ts';

/** The part of Bun's API this entry uses (bun-types is not installed: Bun comes from npm for CI). */
interface BunServer {
  readonly port: number;
  requestIP(request: Request): { address: string } | null;
  stop(closeActiveConnections?: boolean): Promise<void>;
}
declare const Bun: {
  serve(options: {
    fetch(request: Request, server: BunServer): Response | Promise<Response>;
    port: number;
    hostname: string;
    idleTimeout: number;
  }): BunServer;
};

/**
 * Seconds Bun keeps a connection open without bytes in either direction (its default is 10, its
 * maximum 255). Well above the SSE keep-alive interval, so a slow model never gets its stream cut,
 * and above the 90 s pools of cloudflared and most proxies, as on Node.
 */
const idleTimeoutSeconds = 120;

async function main(): Promise<void> {
  const dependencies = await buildLibsqlDependencies(process.env);
  const { config, logger, database } = dependencies;
  warnIfWebAppMissing(logger);
  const drain = new GenerationDrain();
  const app = createApp({
    ...dependencies,
    drain,
    // hono/bun is marked for removal in Hono 5 in favour of @hono/bun, which is not published yet.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    webAppFiles: serveStatic({ root: webAppFolder }),
    clientAddress: (c) => (c.env as { clientAddress?: string } | undefined)?.clientAddress,
  });
  const server = Bun.serve({
    // The client's address goes to the app as its env (Hono's getConnInfo for Bun is deprecated in hono/bun).
    fetch: (request, server) => app.fetch(request, { clientAddress: server.requestIP(request)?.address }),
    port: config.PORT,
    hostname: config.HOST,
    idleTimeout: Math.max(idleTimeoutSeconds, Math.ceil(config.KEEPALIVE_SECONDS * 2)),
  });
  logger.info('listening', {
    url: `http://${config.HOST}:${String(server.port)}`,
    runtime: 'bun',
    ollama: new URL(config.OLLAMA_BASE_URL).host,
  });
  stopOnSignals({
    server: {
      // Without `true`, Bun lets requests in flight finish; with it, it closes their connections.
      stopAccepting: () => server.stop(),
      closeAllConnections: () => server.stop(true),
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
