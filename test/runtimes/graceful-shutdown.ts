/**
 * SIGTERM with a stream running (README "Reliability"): the server started as its npm script does,
 * a slow stream from a fake Ollama in this process, then the signal. Within SHUTDOWN_GRACE_SECONDS the
 * stream finishes (`complete`); past it, the stream is aborted and stored `aborted`, its usage row
 * written and its stream slot released. New connections are refused from the signal on, every stored
 * row is terminal and the process exits 0.
 */
import { createClient } from '@libsql/client';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOllama, type FakeOllama } from '../helpers/fake-ollama.ts';
import { eventually, sseEvents, type SseEvent } from '../helpers/sse.ts';
import { startRuntimeServer, type RuntimeCommand, type RuntimeServer } from './runtime-server.ts';

const tokens = (count: number) => Array.from({ length: count }, (_, index) => `t${String(index)} `);

/** Whether a new TCP connection to the server's port is refused now. */
function refused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code === 'ECONNREFUSED');
    });
  });
}

/** The process's exit code, or a failure naming what it wrote when it has not exited in time. */
async function exitCodeOf(server: RuntimeServer, timeoutMs: number): Promise<number | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`the server did not exit within ${String(timeoutMs)} ms:\n${server.output()}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([server.exit, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function rowsOf(databasePath: string, statement: string): Promise<Record<string, unknown>[]> {
  const client = createClient({ url: `file:${databasePath}` });
  try {
    return (await client.execute(statement)).rows.map((row) => ({ ...row }));
  } finally {
    client.close();
  }
}

export function describeGracefulShutdown(name: string, runtime: RuntimeCommand): void {
  describe(`${name}: SIGTERM while a stream runs`, () => {
    let ollama: FakeOllama | undefined;
    let server: RuntimeServer | undefined;
    afterEach(async () => {
      await server?.stop();
      await ollama?.close();
      server = undefined;
      ollama = undefined;
    });

    /** Starts the server and a stream, and reads the stream up to its first token. */
    async function startStreaming(env: Record<string, string>, count: number) {
      ollama = await startFakeOllama({ tokens: tokens(count), tokenDelayMs: 100 });
      server = await startRuntimeServer(runtime, { OLLAMA_BASE_URL: ollama.url, ...env });
      const response = await fetch(`${server.url}/api/chat/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'Count' }),
      });
      expect(response.status, server.output()).toBe(200);
      const events = sseEvents(response);
      const seen: SseEvent[] = [];
      for (;;) {
        const next = await events.next();
        if (next.done === true) throw new Error('the stream ended before its first token');
        seen.push(next.value.event);
        if (typeof next.value.event.data?.['token'] === 'string') break;
      }
      /** Reads the rest of the stream. */
      const rest = async () => {
        for await (const { event } of events) seen.push(event);
        return seen;
      };
      return { server, rest };
    }

    const tokensOf = (events: SseEvent[]) =>
      events.flatMap((event) => (typeof event.data?.['token'] === 'string' ? [event.data['token']] : []));

    it('lets the stream finish within SHUTDOWN_GRACE_SECONDS, refuses new connections, stores it complete and exits 0', async () => {
      const { server: running, rest } = await startStreaming({ SHUTDOWN_GRACE_SECONDS: '20' }, 12);
      running.kill('SIGTERM');
      await eventually(async () => ((await refused(running.url)) ? true : undefined), 5_000);
      const events = await rest();
      expect(tokensOf(events)).toEqual(tokens(12));
      expect(events.at(-1)?.data?.['done']).toBe(true);
      expect(await exitCodeOf(running, 10_000)).toBe(0);
      expect(running.output()).toMatch(/"message":"generations drained".*"finished":1,"aborted":0/);

      const messages = await rowsOf(running.databasePath, 'select role, status, content from messages order by sequence');
      expect(messages).toEqual([
        { role: 'user', status: 'complete', content: 'Count' },
        { role: 'assistant', status: 'complete', content: tokens(12).join('') },
      ]);
      expect(await rowsOf(running.databasePath, 'select outcome from usage')).toEqual([{ outcome: 'complete' }]);
      expect(await rowsOf(running.databasePath, 'select active_generation_id from conversations')).toEqual([
        { active_generation_id: null },
      ]);
    }, 60_000);

    it('aborts the stream when the grace is over: it ends with an error event, is stored aborted with its usage and its slot released, and the process exits 0', async () => {
      const { server: running, rest } = await startStreaming(
        { SHUTDOWN_GRACE_SECONDS: '0.5', RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_STREAMS: '5', RATE_LIMIT_REQUESTS: '100' },
        100,
      );
      const leases = await rowsOf(running.databasePath, 'select id from stream_leases');
      expect(leases).toHaveLength(1);
      const signalledAt = Date.now();
      running.kill('SIGTERM');
      const events = await rest();
      const data = events.flatMap((event) => (event.data === undefined ? [] : [event.data]));
      expect(data.at(-1)).toEqual({ error: expect.any(String), code: 'SERVICE_UNAVAILABLE' });
      expect(data.some((event) => event['done'] === true)).toBe(false);
      expect(await exitCodeOf(running, 10_000)).toBe(0);
      // The grace and the settling, not the 10 s the whole answer would have taken.
      expect(Date.now() - signalledAt).toBeLessThan(6_000);
      await ollama?.waitForAbort(1, 1_000);

      const messages = await rowsOf(
        running.databasePath,
        'select role, status, content, error_code from messages order by sequence',
      );
      expect(messages.map((row) => row['status'])).toEqual(['complete', 'aborted']);
      const stored = String(messages[1]?.['content']);
      expect(stored).toBe(tokensOf(events).join(''));
      expect(stored.length).toBeGreaterThan(0);
      expect(tokens(100).join('').startsWith(stored)).toBe(true);
      expect(messages[1]?.['error_code']).toBe('SERVICE_UNAVAILABLE');
      expect(await rowsOf(running.databasePath, 'select outcome from usage')).toEqual([{ outcome: 'aborted' }]);
      expect(await rowsOf(running.databasePath, 'select id from stream_leases')).toEqual([]);
      expect(await rowsOf(running.databasePath, 'select active_generation_id from conversations')).toEqual([
        { active_generation_id: null },
      ]);
    }, 60_000);
  });
}
