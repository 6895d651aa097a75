/**
 * Starts fake Ollamas on request, for tests that run where Node's sockets are not (inside workerd).
 * A vitest globalSetup starts one launcher in Node and `provide`s its URL; each test asks it for a
 * fresh fake (its own port, so parallel test files never share hit counts) and drives that fake
 * through its control API (`launchFakeOllama` and `fakeOllamaClient` in fake-ollama-client.ts).
 *
 *   POST /fakes          Partial<FakeOllamaBehaviour> → { url }
 *   POST /fakes/close    { url }
 *   GET  /unused-url     { url } of a local port where nothing listens
 *   POST /jwks           → { url } of a new fake JWKS endpoint (fake-jwks.ts)
 *   POST /cloud-fakes    { kind: 'openai' | 'anthropic', options } → { url } of a new fake cloud upstream
 *                        (fake-openai.ts, fake-anthropic.ts; also the fake of OpenAI-compatible servers)
 *   POST /cloud-fakes/state  { url } → { hits, aborted } of that fake
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { startFakeAnthropic, type FakeAnthropicOptions } from './fake-anthropic.ts';
import { startFakeJwks, type FakeJwksServer } from './fake-jwks.ts';
import { startFakeOpenAI, type FakeOpenAIOptions } from './fake-openai.ts';
import { startFakeOllama, unusedLocalUrl, type FakeOllama } from './fake-ollama.ts';
import type { FakeUpstream } from './fake-upstream-server.ts';
import { listenOnLoopback } from './listen-local.ts';

export interface FakeOllamaLauncher {
  url: string;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

function reply(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(payload));
}

export async function startFakeOllamaLauncher(): Promise<FakeOllamaLauncher> {
  const fakes = new Map<string, FakeOllama>();
  const jwksServers: FakeJwksServer[] = [];
  const cloudFakes = new Map<string, FakeUpstream>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const route = `${req.method ?? 'GET'} ${req.url ?? '/'}`;
    const body = await readJson(req);
    if (route === 'POST /fakes') {
      const fake = await startFakeOllama(body ?? {});
      fakes.set(fake.url, fake);
      reply(res, 201, { url: fake.url });
    } else if (route === 'POST /fakes/close') {
      const url = (body as { url?: string } | undefined)?.url ?? '';
      await fakes.get(url)?.close();
      fakes.delete(url);
      reply(res, 200, { ok: true });
    } else if (route === 'POST /jwks') {
      const jwks = await startFakeJwks();
      jwksServers.push(jwks);
      reply(res, 201, { url: jwks.url });
    } else if (route === 'POST /cloud-fakes') {
      const { kind, options = {} } = body as { kind: 'openai' | 'anthropic'; options?: FakeOpenAIOptions & FakeAnthropicOptions };
      const fake = kind === 'anthropic' ? await startFakeAnthropic(options) : await startFakeOpenAI(options);
      cloudFakes.set(fake.url, fake);
      reply(res, 201, { url: fake.url });
    } else if (route === 'POST /cloud-fakes/state') {
      const fake = cloudFakes.get((body as { url?: string } | undefined)?.url ?? '');
      if (fake === undefined) reply(res, 404, { error: 'no such fake' });
      else reply(res, 200, { hits: fake.hits(), aborted: fake.abortedRequests() });
    } else if (route === 'GET /unused-url') {
      reply(res, 200, { url: await unusedLocalUrl() });
    } else {
      reply(res, 404, { error: `no route ${route}` });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      reply(res, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  });
  const url = await listenOnLoopback(server);
  return {
    url,
    async close() {
      await Promise.all([...fakes.values()].map((fake) => fake.close()));
      await Promise.all(jwksServers.map((jwks) => jwks.close()));
      await Promise.all([...cloudFakes.values()].map((fake) => fake.close()));
      cloudFakes.clear();
      fakes.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
