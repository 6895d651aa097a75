/**
 * Limits hold across processes (API.md § Limits and usage): two servers started as `npm start` starts
 * them, on one libSQL file, share one request window and one set of stream slots.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOllama, type FakeOllama } from '../helpers/fake-ollama.ts';
import { startRuntimeServer, type RuntimeServer } from '../runtimes/runtime-server.ts';
import { scriptCommand } from '../runtimes/script-command.ts';

describe('limits across two Node processes on one database file', () => {
  let ollama: FakeOllama;
  let directory: string;
  let servers: RuntimeServer[] = [];

  beforeAll(async () => {
    ollama = await startFakeOllama({ tokens: ['a', 'b', 'c', 'd', 'e', 'f'], tokenDelayMs: 100 });
    directory = await mkdtemp(join(tmpdir(), 'edge-llm-api-limits-'));
    const env = {
      OLLAMA_BASE_URL: ollama.url,
      DATABASE_URL: `file:${join(directory, 'shared.db')}`,
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_REQUESTS: '6',
      RATE_LIMIT_STREAMS: '2',
      KEEPALIVE_SECONDS: '5',
    };
    // One after the other: both migrate the same file on start.
    servers.push(await startRuntimeServer(scriptCommand('serve'), env));
    servers.push(await startRuntimeServer(scriptCommand('serve'), env));
  }, 90_000);
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    servers = [];
    await ollama.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('shares the concurrent streams and the per-minute calls of a caller between the processes', async () => {
    const second = new Date().getUTCSeconds();
    if (second >= 50) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));
    const stream = (server: RuntimeServer) =>
      fetch(`${server.url}/api/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'Hi', stream: true }),
      });
    const [a, b] = servers as [RuntimeServer, RuntimeServer];
    // Four streams at once, two per process: only two slots exist for this caller.
    const responses = await Promise.all([stream(a), stream(b), stream(a), stream(b)]);
    expect(responses.filter((response) => response.status === 200)).toHaveLength(2);
    expect(responses.filter((response) => response.status === 429)).toHaveLength(2);
    await Promise.all(responses.map((response) => response.text()));

    // Two streams counted so far; four more calls in this minute, split over both processes, then 429.
    const json = (server: RuntimeServer) =>
      fetch(`${server.url}/api/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"prompt":"Hi"}',
      });
    const statuses: number[] = [];
    for (const server of [a, b, a, b, a, b]) {
      const response = await json(server);
      statuses.push(response.status);
      await response.text();
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  }, 30_000);
});
