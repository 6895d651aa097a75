import type { AnyD1Database } from 'drizzle-orm/d1';
import type { ExecutionContext } from 'hono';
import { createApp, type App } from '../app.ts';
import { ConfigError, parseConfig } from '../config.ts';
import { createD1Database } from '../db/d1.ts';
import { createLogger } from '../logger.ts';
import { buildModelRegistry } from '../providers/build-registry.ts';
import { workerFetch } from './worker-fetch.ts';

/** What wrangler.toml binds: the D1 database as `DB`, and the configuration as vars and secrets. */
export interface WorkerEnv {
  DB: AnyD1Database;
  [variable: string]: unknown;
}

export interface WorkerHandler {
  fetch(request: Request, env: WorkerEnv, context: ExecutionContext): Response | Promise<Response>;
}

/** Builds the app from the Worker's bindings: configuration from vars and secrets, D1 as the database. */
export async function createWorkerApp(env: WorkerEnv): Promise<App> {
  const config = parseConfig(env);
  const logger = createLogger(config.LOG_LEVEL);
  return createApp({
    config,
    database: createD1Database(env.DB),
    registry: await buildModelRegistry(config, { logger, fetch: workerFetch }),
    logger,
    hasExecutionContext: true,
    // Cloudflare sets it at its edge; a client cannot forge it there.
    clientAddress: (c) => c.req.header('cf-connecting-ip'),
    // Each isolate would only count its own requests (README "Operations").
    metrics: false,
  });
}

/**
 * A Worker has no start-up to stop: a bad variable fails every request instead, with the message
 * naming the variable in the Worker's logs (`wrangler tail`) and a JSON 500 for the client.
 */
function misconfigured(error: ConfigError): Response {
  console.error(error.message);
  return Response.json(
    { error: 'The server configuration is invalid; see the Worker logs', code: 'INTERNAL_ERROR', request_id: null, details: [] },
    { status: 500 },
  );
}

/**
 * A Worker fetch handler that builds the app on its first request and reuses it for every later
 * request the isolate serves (bindings only arrive with a request). Migrations are not run here:
 * `wrangler d1 migrations apply` does that before a deploy, as for `wrangler dev`.
 */
export function createWorkerHandler(): WorkerHandler {
  let app: Promise<App> | undefined;
  return {
    async fetch(request, env, context) {
      app ??= createWorkerApp(env);
      let built: App;
      try {
        built = await app;
      } catch (error) {
        if (error instanceof ConfigError) return misconfigured(error);
        throw error;
      }
      return built.fetch(request, env, context);
    },
  };
}

export default createWorkerHandler();
