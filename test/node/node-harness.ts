import { fakeJwksClient } from '../helpers/fake-jwks-client.ts';
import { startFakeJwks } from '../helpers/fake-jwks.ts';
import { inProcessControl } from '../helpers/fake-ollama-client.ts';
import { unusedLocalUrl } from '../helpers/fake-ollama.ts';
import { startTestApp } from '../helpers/test-app.ts';
import type { CreateHarness } from '../suites/harness.ts';

/** The suites on Node: the app over real HTTP, a real libSQL file in a temp folder, an in-process fake Ollama. */
export const createNodeHarness: CreateHarness = async (options = {}) => {
  const ollamaUrl = options.unreachableOllama === true ? await unusedLocalUrl() : options.ollamaUrl;
  const jwks = options.jwks === true ? await startFakeJwks() : undefined;
  const app = await startTestApp({
    env: { ...(jwks === undefined ? {} : { AUTH_JWKS_URL: jwks.url }), ...options.env },
    ...(options.ollama === undefined ? {} : { ollama: options.ollama }),
    ...(ollamaUrl === undefined ? {} : { ollamaUrl }),
    ...(options.databaseFaults === undefined ? {} : { databaseFaults: options.databaseFaults }),
  });
  return {
    runtime: 'node',
    origin: app.url,
    fetch: (path, init) => app.fetch(path, init),
    post: (path, body, init) => app.post(path, body, init),
    query: (statement, args) => app.query(statement, args),
    ollama: inProcessControl(app.ollama),
    jwks: jwks === undefined ? undefined : fakeJwksClient(jwks.url),
    databaseFaults: app.databaseFaults,
    close: async () => {
      await app.close();
      await jwks?.close();
    },
  };
};
