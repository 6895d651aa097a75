/**
 * What a shared test suite needs from a runtime: the API started with its real database and a fake
 * Ollama, HTTP-ish access to it, raw SQL on what it stored, and control of the fake. Node implements
 * it over real HTTP and a libSQL file (test/node/node-harness.ts); Workers inside workerd with the
 * Worker's own fetch handler and a real local D1 (test/workers/workers-harness.ts). Suites under
 * test/suites/ take a `CreateHarness` and hold the test bodies once for every runtime.
 */
import { afterEach } from 'vitest';
import type { DatabaseFaults } from '../helpers/database-faults.ts';
import type { FakeJwksControl } from '../helpers/fake-jwks-client.ts';
import type { FakeOllamaControl } from '../helpers/fake-ollama-client.ts';
import type { FakeOllamaBehaviour } from '../helpers/fake-ollama.ts';

export type SqlValue = string | number | null;

export interface Harness {
  /** Which runtime serves the API: suites skip only what a runtime cannot observe. */
  readonly runtime: 'node' | 'workers';
  /** The API's own origin, as a browser on the web app would send it in `Origin`. */
  readonly origin: string;
  /** A request to the API; `path` starts with `/`. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** POST JSON (a string body is sent as is). */
  post(path: string, body: unknown, init?: RequestInit): Promise<Response>;
  /** Raw SQL on the database the API uses (libSQL file or D1). */
  query<T = Record<string, unknown>>(statement: string, args?: SqlValue[]): Promise<T[]>;
  /** The fake Ollama the API is configured with. */
  readonly ollama: FakeOllamaControl;
  /** The fake identity provider's JWKS the API is configured with (AUTH_JWKS_URL), when asked for. */
  readonly jwks: FakeJwksControl | undefined;
  /** Faults injected into the database driver's batches (libSQL client, D1 binding), when asked for. */
  readonly databaseFaults: DatabaseFaults | undefined;
  /** Stops the API and its fake; waits for work the runtime keeps after responses (waitUntil). */
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Extra configuration variables, e.g. { KEEPALIVE_SECONDS: '0.1' }. */
  env?: Record<string, string>;
  ollama?: Partial<FakeOllamaBehaviour>;
  /** Point OLLAMA_BASE_URL here instead of at the fake (which still starts). */
  ollamaUrl?: string;
  /** Point OLLAMA_BASE_URL at a local port where nothing listens. */
  unreachableOllama?: boolean;
  /** Start a fake JWKS endpoint and set AUTH_JWKS_URL to it. */
  jwks?: boolean;
  /** Wrap the database driver's `batch` so the test can make batches fail or stall. */
  databaseFaults?: boolean;
}

export type CreateHarness = (options?: HarnessOptions) => Promise<Harness>;

/**
 * The start function of a suite: each call builds a harness (app, database, fake Ollama) that is closed
 * after the test that started it.
 */
export function useHarness(createHarness: CreateHarness): (options?: HarnessOptions) => Promise<Harness> {
  let current: Harness | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return async (options = {}) => {
    current = await createHarness(options);
    return current;
  };
}
