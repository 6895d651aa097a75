/**
 * The suites inside workerd: every request goes through the Worker's own fetch handler
 * (src/entry/worker.ts: configuration from env vars, D1 from the `DB` binding) with the pool's real
 * local D1, migrated by apply-migrations.ts. Each harness gets a fresh handler, so a test's
 * configuration (KEEPALIVE_SECONDS, …) takes effect as a Worker's vars would, and its own fake Ollama
 * from the launcher in Node. Work handed to waitUntil runs in a real ExecutionContext and is awaited
 * by close().
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { inject } from 'vitest';
import { createWorkerHandler, type WorkerEnv } from '../../src/entry/worker.ts';
import { faultyBatch, type DatabaseFaults } from '../helpers/database-faults.ts';
import { fakeJwksClient } from '../helpers/fake-jwks-client.ts';
import { fakeOllamaClient, launcherUnusedUrl, launchFakeOllama } from '../helpers/fake-ollama-client.ts';
import type { CreateHarness, SqlValue } from '../suites/harness.ts';
import { clientFetch } from './client-fetch.ts';

/** Each test starts from empty tables but the built-in users (storage is isolated per test file, not per test). */
async function emptyDatabase(): Promise<void> {
  await env.DB.batch([
    env.DB.prepare('delete from messages'),
    env.DB.prepare('delete from conversations'),
    env.DB.prepare('delete from sessions'),
    env.DB.prepare('delete from api_keys'),
    env.DB.prepare("delete from users where id not in ('local', 'admin')"),
    env.DB.prepare('delete from usage'),
    env.DB.prepare('delete from usage_daily'),
    env.DB.prepare('delete from limit_counters'),
    env.DB.prepare('delete from stream_leases'),
  ]);
}

/** The D1 binding with its `batch` wrapped by the fault injector; the rest goes to the real binding. */
function faultyD1(binding: D1Database): { binding: D1Database; faults: DatabaseFaults } {
  const { batch, faults } = faultyBatch(
    binding.batch.bind(binding),
    (statement: D1PreparedStatement) => (statement as unknown as { statement: string }).statement,
  );
  const wrapped = {
    prepare: binding.prepare.bind(binding),
    batch,
    exec: binding.exec.bind(binding),
    withSession: binding.withSession.bind(binding),
  } as unknown as D1Database;
  return { binding: wrapped, faults };
}

async function launchFakeJwks(launcherUrl: string): Promise<string> {
  const response = await fetch(`${launcherUrl}/jwks`, { method: 'POST' });
  return (await response.json<{ url: string }>()).url;
}

export const createWorkersHarness: CreateHarness = async (options = {}) => {
  const launcherUrl = inject('fakeOllamaLauncherUrl');
  const fake = await launchFakeOllama(launcherUrl, options.ollama);
  const ollamaUrl = options.unreachableOllama === true ? await launcherUnusedUrl(launcherUrl) : (options.ollamaUrl ?? fake.url);
  await emptyDatabase();
  const jwksUrl = options.jwks === true ? await launchFakeJwks(launcherUrl) : undefined;

  const database = options.databaseFaults === true ? faultyD1(env.DB) : { binding: env.DB, faults: undefined };
  const handler = createWorkerHandler();
  // The shipped wrangler.toml requires auth; suites that test auth set AUTH_REQUIRED themselves.
  const workerEnv: WorkerEnv = {
    ...env,
    LOG_LEVEL: 'silent',
    AUTH_REQUIRED: 'false',
    OLLAMA_BASE_URL: ollamaUrl,
    ...(jwksUrl === undefined ? {} : { AUTH_JWKS_URL: jwksUrl }),
    ...options.env,
    DB: database.binding,
  };
  const contexts: ExecutionContext[] = [];
  const fetchWorker = (path: string, init?: RequestInit) =>
    clientFetch(new Request(`http://worker.test${path}`, init), (request) => {
      const context = createExecutionContext();
      contexts.push(context);
      return handler.fetch(request, workerEnv, context);
    });

  return {
    runtime: 'workers',
    origin: 'http://worker.test',
    fetch: fetchWorker,
    post: (path, body, init) =>
      fetchWorker(path, {
        method: 'POST',
        body: typeof body === 'string' ? body : JSON.stringify(body),
        ...init,
        // JSON unless the test says otherwise; other headers of the test are added, not swapped in.
        headers: { 'content-type': 'application/json', ...(init?.headers as Record<string, string> | undefined) },
      }),
    async query<T>(statement: string, args: SqlValue[] = []) {
      const result = await env.DB.prepare(statement)
        .bind(...args)
        .all<T>();
      return result.results;
    },
    ollama: fakeOllamaClient(fake.url),
    jwks: jwksUrl === undefined ? undefined : fakeJwksClient(jwksUrl),
    databaseFaults: database.faults,
    async close() {
      await Promise.all(contexts.map((context) => waitOnExecutionContext(context)));
      await fake.close();
    },
  };
};
