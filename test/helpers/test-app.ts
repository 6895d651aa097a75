import { serve, type ServerType } from '@hono/node-server';
import type { Client, InStatement } from '@libsql/client';
import { serveStatic } from '@hono/node-server/serve-static';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.ts';
import type { AppDependencies } from '../../src/app-env.ts';
import { buildLibsqlDependencies } from '../../src/entry/libsql-dependencies.ts';
import { nodeClientAddress } from '../../src/entry/node-client-address.ts';
import { createNodeFetch } from '../../src/entry/node-fetch.ts';
import { webAppFolder } from '../../src/entry/web-app-files.ts';
import { createLogger } from '../../src/logger.ts';
import type { GenerationDrain } from '../../src/runtime/generation-drain.ts';
import { faultyBatch, type DatabaseFaults } from './database-faults.ts';
import { startFakeOllama, type FakeOllama, type FakeOllamaBehaviour } from './fake-ollama.ts';

export interface TestApp {
  app: App;
  /** Real HTTP base URL of the API (http://127.0.0.1:PORT). */
  url: string;
  ollama: FakeOllama;
  dependencies: AppDependencies;
  /** Path of the libSQL file in a temp folder. */
  databasePath: string;
  /** Faults injected into the libSQL client's batches, with `databaseFaults: true`. */
  databaseFaults: DatabaseFaults | undefined;
  /** fetch against the real HTTP server. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** POST JSON over real HTTP. */
  post(path: string, body: unknown, init?: RequestInit): Promise<Response>;
  /** Raw SQL against the same database file, for checking what was stored. */
  query<T = Record<string, unknown>>(statement: string, args?: (string | number | null)[]): Promise<T[]>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Extra environment variables (config), e.g. { KEEPALIVE_SECONDS: '0.1' }. */
  env?: Record<string, string>;
  ollama?: Partial<FakeOllamaBehaviour>;
  /** Use this Ollama URL instead of starting a fake (e.g. a refused port). */
  ollamaUrl?: string;
  /** Receives every log line at `info` and above (LOG_LEVEL is ignored then). */
  log?: (line: string) => void;
  /** The fetch for images the API fetches for clients (tests cannot serve public https). */
  imageFetch?: typeof fetch;
  /** The generations' drain, as the Node entry passes it (graceful shutdown). */
  drain?: GenerationDrain;
  /** Wrap the libSQL client's `batch` so a test can make batches fail or stall (database-faults.ts). */
  databaseFaults?: boolean;
}

/** Starts the whole app as a user would run it: real libSQL file, migrations, fake Ollama, real HTTP. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const ollama = await startFakeOllama(options.ollama);
  const directory = await mkdtemp(join(tmpdir(), 'edge-llm-api-'));
  const databasePath = join(directory, 'app.db');
  const dependencies = await buildLibsqlDependencies(
    {
      DATABASE_URL: `file:${databasePath}`,
      OLLAMA_BASE_URL: options.ollamaUrl ?? ollama.url,
      LOG_LEVEL: 'silent',
      ...options.env,
    },
    // The upstream fetch `npm start` uses (src/entry/node.ts), so the Node suites test it.
    { fetch: createNodeFetch() },
  );
  if (options.log) dependencies.logger = createLogger('info', options.log);
  const databaseFaults = options.databaseFaults === true ? injectFaults(dependencies) : undefined;
  const app = createApp({
    ...dependencies,
    clientAddress: nodeClientAddress,
    // The web app as `npm start` serves it (web/dist, built by `npm ci` and `npm start`).
    webAppFiles: serveStatic({ root: webAppFolder }),
    ...(options.imageFetch === undefined ? {} : { imageFetch: options.imageFetch }),
    ...(options.drain === undefined ? {} : { drain: options.drain }),
  });
  const server: ServerType = await new Promise((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => {
      resolve(started);
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${String(port)}`;
  const { createClient } = await import('@libsql/client');
  const inspector = createClient({ url: `file:${databasePath}` });

  return {
    app,
    url,
    ollama,
    dependencies,
    databasePath,
    databaseFaults,
    fetch: (path, init) => fetch(`${url}${path}`, init),
    post: (path, body, init) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        body: typeof body === 'string' ? body : JSON.stringify(body),
        ...init,
        // JSON unless the test says otherwise; other headers of the test are added, not swapped in.
        headers: { 'content-type': 'application/json', ...(init?.headers as Record<string, string> | undefined) },
      }),
    async query<T>(statement: string, args: (string | number | null)[] = []) {
      const result = await inspector.execute({ sql: statement, args });
      return result.rows.map((row) => ({ ...row }) as T);
    },
    async close() {
      if ('closeAllConnections' in server) server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      inspector.close();
      dependencies.database.close();
      await ollama.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The libSQL client under the app's Drizzle instance, its `batch` wrapped by the fault injector. */
function injectFaults(dependencies: AppDependencies): DatabaseFaults {
  const client = (dependencies.database.drizzle as unknown as { $client: Client }).$client;
  const { batch, faults } = faultyBatch(client.batch.bind(client), (statement: InStatement) =>
    typeof statement === 'string' ? statement : statement.sql,
  );
  client.batch = batch;
  return faults;
}

// The SSE and polling helpers live in sse.ts (runtime-neutral); re-exported for existing imports.
export { eventually, parseSse, readSse, type SseEvent } from './sse.ts';
