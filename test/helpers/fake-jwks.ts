/**
 * A fake identity provider's JWKS endpoint (what AUTH_JWKS_URL points at): `GET /jwks` serves the keys
 * a test published, and counts how often it was fetched. Driven over HTTP so tests inside workerd can
 * use it too (the launcher starts one per request):
 *
 *   GET  /jwks            { keys }
 *   POST /__control/keys  { keys } → replaces the published keys
 *   GET  /__control/hits  { hits } → how many times /jwks was fetched
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './listen-local.ts';

export interface FakeJwksServer {
  /** The JWKS URL (…/jwks). */
  url: string;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown;
}

function reply(res: ServerResponse, payload: unknown): void {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(payload));
}

export async function startFakeJwks(): Promise<FakeJwksServer> {
  let keys: unknown[] = [];
  let hits = 0;
  const server = createServer((req, res) => {
    const route = `${req.method ?? 'GET'} ${req.url ?? '/'}`;
    if (route === 'GET /jwks') {
      hits += 1;
      reply(res, { keys });
    } else if (route === 'GET /__control/hits') {
      reply(res, { hits });
    } else if (route === 'POST /__control/keys') {
      readJson(req)
        .then((body) => {
          keys = (body as { keys?: unknown[] }).keys ?? [];
          reply(res, { ok: true });
        })
        .catch(() => res.destroy());
    } else {
      res.writeHead(404).end();
    }
  });
  const base = await listenOnLoopback(server);
  return {
    url: `${base}/jwks`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
