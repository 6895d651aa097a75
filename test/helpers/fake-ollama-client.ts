/**
 * One asynchronous way to drive a fake Ollama, wherever the test runs: in the same Node process
 * (`inProcessControl`) or over HTTP through the fake's control API (`fakeOllamaClient`), as tests inside
 * workerd and the smoke tests of other runtimes do. Web APIs only: this module also runs in workerd.
 */
import type { FakeOllama, FakeOllamaBehaviour, RecordedRequest } from './fake-ollama.ts';

export interface FakeOllamaControl {
  /** Base URL to configure as OLLAMA_BASE_URL. */
  readonly url: string;
  setBehaviour(patch: Partial<FakeOllamaBehaviour>): Promise<void>;
  enqueue(...patches: Partial<FakeOllamaBehaviour>[]): Promise<void>;
  setModels(names: string[]): Promise<void>;
  /** Every request received so far, oldest first (control calls excluded). */
  requests(): Promise<RecordedRequest[]>;
  hits(path?: string): Promise<number>;
  /** Generations whose client (the API under test) closed the connection before the end. */
  abortedRequests(): Promise<number>;
  waitForAbort(count?: number, timeoutMs?: number): Promise<void>;
  reset(): Promise<void>;
}

const countHits = (requests: RecordedRequest[], path?: string) =>
  path === undefined ? requests.length : requests.filter((request) => request.path === path).length;

/** Runs a synchronous change and reports it the asynchronous way. */
function settled(change: () => void): Promise<void> {
  change();
  return Promise.resolve();
}

/** The same interface over a fake started in this process. */
export function inProcessControl(fake: FakeOllama): FakeOllamaControl {
  return {
    url: fake.url,
    setBehaviour: (patch) => settled(() => fake.setBehaviour(patch)),
    enqueue: (...patches) => settled(() => fake.enqueue(...patches)),
    setModels: (names) => settled(() => fake.setModels(names)),
    requests: () => Promise.resolve([...fake.requests]),
    hits: (path) => Promise.resolve(fake.hits(path)),
    abortedRequests: () => Promise.resolve(fake.abortedRequests()),
    waitForAbort: (count, timeoutMs) => fake.waitForAbort(count, timeoutMs),
    reset: () => settled(() => fake.reset()),
  };
}

interface FakeState {
  requests: RecordedRequest[];
  aborted: number;
}

/** Drives a fake Ollama (possibly in another process) through its `/__fake/*` control API. */
export function fakeOllamaClient(url: string): FakeOllamaControl {
  const control = async (path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${url}/__fake/${path}`, {
      method: body === undefined && path === 'state' ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      // JSON has no undefined: null tells the fake to clear that field.
      ...(body === undefined ? {} : { body: JSON.stringify(body, (_key, value: unknown) => value ?? null) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`fake-ollama control ${path}: ${String(response.status)} ${text}`);
    return JSON.parse(text) as unknown;
  };
  const state = async () => (await control('state')) as FakeState;
  const client: FakeOllamaControl = {
    url,
    setBehaviour: async (patch) => {
      await control('behaviour', patch);
    },
    enqueue: async (...patches) => {
      await control('enqueue', patches);
    },
    setModels: async (names) => {
      await control('models', names);
    },
    requests: async () => (await state()).requests,
    hits: async (path) => countHits((await state()).requests, path),
    abortedRequests: async () => (await state()).aborted,
    async waitForAbort(count = 1, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      let aborted = await client.abortedRequests();
      while (aborted < count) {
        if (Date.now() > deadline) {
          throw new Error(
            `fake-ollama: expected ${String(count)} aborted request(s) within ${String(timeoutMs)}ms, saw ${String(aborted)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
        aborted = await client.abortedRequests();
      }
    },
    reset: async () => {
      await control('reset', {});
    },
  };
  return client;
}

/** A fresh fake from the launcher (`fake-ollama-launcher.ts`), which runs in Node. */
export async function launchFakeOllama(
  launcherUrl: string,
  initial: Partial<FakeOllamaBehaviour> = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const response = await fetch(`${launcherUrl}/fakes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(initial),
  });
  if (response.status !== 201) throw new Error(`launcher: ${String(response.status)} ${await response.text()}`);
  const { url } = (await response.json()) as { url: string };
  return {
    url,
    async close() {
      const closed = await fetch(`${launcherUrl}/fakes/close`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url }),
      });
      await closed.text();
    },
  };
}

/** From the launcher: a local URL where nothing listens (for "Ollama is down" cases). */
export async function launcherUnusedUrl(launcherUrl: string): Promise<string> {
  const response = await fetch(`${launcherUrl}/unused-url`);
  return ((await response.json()) as { url: string }).url;
}
