/**
 * The fake Ollama's control API, for tests that cannot hold the fake in memory: the Workers suite runs
 * inside workerd while the fake runs in Node, and the Bun/Deno smoke tests talk to it across processes.
 *
 *   POST /__fake/behaviour  Partial<FakeOllamaBehaviour> (a null value clears that field)
 *   POST /__fake/enqueue    Partial<FakeOllamaBehaviour>[]
 *   POST /__fake/models     string[]
 *   POST /__fake/reset
 *   GET  /__fake/state      { requests: RecordedRequest[], aborted: number }
 *
 * `fake-ollama-client.ts` is the matching client.
 */
import type { ServerResponse } from 'node:http';
import type { FakeOllama, FakeOllamaBehaviour } from './fake-ollama.ts';

type Patch = Partial<FakeOllamaBehaviour>;

/** JSON has no undefined: the client sends null for "clear this field". */
function toPatch(value: unknown): Patch {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('expected an object');
  const entries = Object.entries(value).map(([key, field]): [string, unknown] => [key, field ?? undefined]);
  return Object.fromEntries(entries);
}

function reply(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(payload));
}

export function handleControlRequest(fake: FakeOllama, method: string, path: string, raw: string, res: ServerResponse): void {
  try {
    const body: unknown = raw === '' ? undefined : JSON.parse(raw);
    const route = `${method} ${path}`;
    switch (route) {
      case 'POST /__fake/behaviour':
        fake.setBehaviour(toPatch(body));
        break;
      case 'POST /__fake/enqueue':
        if (!Array.isArray(body)) throw new Error('expected an array');
        fake.enqueue(...body.map(toPatch));
        break;
      case 'POST /__fake/models':
        if (!Array.isArray(body) || !body.every((name) => typeof name === 'string')) throw new Error('expected names');
        fake.setModels(body);
        break;
      case 'POST /__fake/reset':
        fake.reset();
        break;
      case 'GET /__fake/state':
        reply(res, 200, { requests: fake.requests, aborted: fake.abortedRequests() });
        return;
      default:
        reply(res, 404, { error: `no control route ${route}` });
        return;
    }
    reply(res, 200, { ok: true });
  } catch (error) {
    reply(res, 400, { error: error instanceof Error ? error.message : String(error) });
  }
}
