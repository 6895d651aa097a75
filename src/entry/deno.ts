import { serveStatic } from 'hono/deno';
import { createApp } from '../app.ts';
import { ConfigError } from '../config.ts';
import { GenerationDrain } from '../runtime/generation-drain.ts';
import { shutDownOnSignals } from '../runtime/graceful-shutdown.ts';
import { buildLibsqlDependencies } from './libsql-dependencies.ts';
import { warnIfWebAppMissing, webAppFolder } from './web-app-files.ts';

/** The part of Deno's API this entry uses (Deno's own types are not part of this Node project's check). */
interface DenoServer {
  readonly addr: { port: number };
  shutdown(): Promise<void>;
}
declare const Deno: {
  env: { toObject(): Record<string, string> };
  serve(
    options: { port: number; hostname: string; onListen?: (address: { port: number }) => void },
    handler: (request: Request, info: { remoteAddr: { hostname: string } }) => Response | Promise<Response>,
  ): DenoServer;
  addSignalListener(signal: 'SIGTERM' | 'SIGINT', handler: () => void): void;
  exit(code: number): never;
};

async function main(): Promise<void> {
  const dependencies = await buildLibsqlDependencies(Deno.env.toObject());
  const { config, logger, database } = dependencies;
  warnIfWebAppMissing(logger);
  const drain = new GenerationDrain();
  const app = createApp({
    ...dependencies,
    drain,
    // hono/deno is marked for removal in Hono 5 in favour of @hono/deno, which is not published yet.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    webAppFiles: serveStatic({ root: webAppFolder }),
    clientAddress: (c) => (c.env as { clientAddress?: string } | undefined)?.clientAddress,
  });
  const server = Deno.serve(
    {
      port: config.PORT,
      hostname: config.HOST,
      onListen: (address) => {
        logger.info('listening', {
          url: `http://${config.HOST}:${String(address.port)}`,
          runtime: 'deno',
          ollama: new URL(config.OLLAMA_BASE_URL).host,
        });
      },
    },
    // The client's address goes to the app as its env (Hono's getConnInfo for Deno is deprecated in hono/deno).
    (request, info) => app.fetch(request, { clientAddress: info.remoteAddr.hostname }),
  );
  shutDownOnSignals({
    // Deno's shutdown stops accepting and lets requests in flight finish (their streams end once drained).
    server: { stopAccepting: () => server.shutdown() },
    drain,
    graceMs: config.SHUTDOWN_GRACE_SECONDS * 1000,
    closeDatabase: () => {
      database.close();
    },
    logger,
    onSignal: (signal, handler) => {
      Deno.addSignalListener(signal, handler);
    },
    exit: (code) => Deno.exit(code),
  });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error('start-up failed:', error instanceof Error ? error.message : error);
  Deno.exit(1);
});
