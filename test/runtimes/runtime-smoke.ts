/**
 * Smoke suite for a runtime that serves the API in its own process (Bun, Deno): real HTTP from Node,
 * a fake Ollama in this process, the runtime's libSQL file read back with Node's libSQL client.
 * Covers what differs between runtimes: streaming without buffering, keep-alive comments, idle
 * connections, and how a client disconnect is detected (RELIABILITY.md pitfall 2, cases 15-17).
 */
import { createClient, type Client } from '@libsql/client';
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOllama, type FakeOllama } from '../helpers/fake-ollama.ts';
import { eventually, readSse, sseEvents, type SseEvent } from '../helpers/sse.ts';
import { expectWebAppServed } from '../helpers/web-app-check.ts';
import { startRuntimeServer, type RuntimeCommand, type RuntimeServer } from './runtime-server.ts';

/** Longer than Bun's default idle timeout (10 s, closed by ~12 s in practice). */
const idleWindowMs = 15_000;
const TWENTY = Array.from({ length: 20 }, (_, index) => `t${String(index)} `);

interface MessageRow {
  role: string;
  content: string;
  status: string;
}

const tokensOf = (events: SseEvent[]) =>
  events.flatMap((event) => (typeof event.data?.['token'] === 'string' ? [event.data['token']] : []));

/** Reads token events from a streamed response until `count` have arrived. */
async function readTokens(response: Response, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for await (const { event } of sseEvents(response)) {
    if (typeof event.data?.['token'] === 'string') tokens.push(event.data['token']);
    if (tokens.length >= count) return tokens;
  }
  throw new Error(`stream ended after ${String(tokens.length)} tokens`);
}

export function describeRuntimeSmoke(name: string, runtime: RuntimeCommand): void {
  describe(`${name}: the API in its own process`, () => {
    let ollama: FakeOllama;
    let server: RuntimeServer;
    let database: Client;

    beforeAll(async () => {
      ollama = await startFakeOllama();
      server = await startRuntimeServer(runtime, { OLLAMA_BASE_URL: ollama.url, KEEPALIVE_SECONDS: '0.1' });
      database = createClient({ url: `file:${server.databasePath}` });
    }, 90_000);
    afterAll(async () => {
      database.close();
      await server.stop();
      await ollama.close();
    });
    beforeEach(() => {
      ollama.reset();
    });

    const post = (path: string, body: unknown, signal?: AbortSignal) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        ...(signal === undefined ? {} : { signal }),
      });
    const messagesOf = async (conversationId: string) =>
      (
        await database.execute({
          sql: 'select role, content, status from messages where conversation_id = ? order by sequence',
          args: [conversationId],
        })
      ).rows.map((row) => ({ ...row }) as unknown as MessageRow);
    /** The turn's rows once the assistant one is there (it is written after the client left). */
    const settledTurn = (conversationId: string) =>
      eventually(async () => {
        const rows = await messagesOf(conversationId);
        return rows.length === 2 ? rows : undefined;
      }, 3000);
    const latestConversationId = async () => {
      const [row] = (await database.execute('select id from conversations order by created_at desc limit 1')).rows;
      return typeof row?.['id'] === 'string' ? row['id'] : '';
    };

    it("serves the web app at / through the runtime's serveStatic, with its security headers, next to the API", async () => {
      await expectWebAppServed((path) => fetch(`${server.url}${path}`));
    });

    it('answers a chat and stores both messages in its libSQL file', async () => {
      const response = await post('/api/chat', { message: 'Hi' });
      expect(response.status, server.output()).toBe(200);
      const body = (await response.json()) as { conversation_id: string; response: string; model: string };
      expect(body).toMatchObject({ response: 'Hello, world!', model: 'ollama/llama3.2' });
      expect(await messagesOf(body.conversation_id)).toEqual([
        { role: 'user', content: 'Hi', status: 'complete' },
        { role: 'assistant', content: 'Hello, world!', status: 'complete' },
      ]);
    });

    it('streams each token as the model sends it', async () => {
      ollama.setBehaviour({ tokens: ['one', ' two', ' three', ' four', ' five'], tokenDelayMs: 120 });
      const startedAt = Date.now();
      const response = await post('/api/chat/stream', { message: 'Count' });
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const arrivals: { token: string; at: number }[] = [];
      for await (const { event, at } of sseEvents(response)) {
        if (typeof event.data?.['token'] === 'string') arrivals.push({ token: event.data['token'], at });
      }
      expect(arrivals.map((arrival) => arrival.token)).toEqual(['one', ' two', ' three', ' four', ' five']);
      const firstAt = arrivals[0]?.at ?? Infinity;
      expect(firstAt - startedAt).toBeLessThan(1000);
      expect((arrivals[4]?.at ?? 0) - firstAt).toBeGreaterThanOrEqual(350);
      expect((arrivals[2]?.at ?? 0) - firstAt).toBeGreaterThanOrEqual(180);
    });

    it('sends `: keep-alive` comments while the model is slow to start', async () => {
      ollama.setBehaviour({ tokens: ['late'], firstTokenDelayMs: 400 });
      const events = await readSse(await post('/api/chat/stream', { message: 'Hi' }));
      const firstToken = events.findIndex((event) => event.data?.['token'] !== undefined);
      expect(events.slice(0, firstToken).filter((event) => event.comment === 'keep-alive').length).toBeGreaterThanOrEqual(2);
      expect(tokensOf(events)).toEqual(['late']);
      expect(events.at(-1)?.data?.['done']).toBe(true);
    });

    it('lists, shows, renames and deletes conversations', async () => {
      const chat = (await (await post('/api/chat', { message: 'History please' })).json()) as { conversation_id: string };
      const id = chat.conversation_id;
      const list = (await (await fetch(`${server.url}/api/history`)).json()) as { conversations: { id: string }[] };
      expect(list.conversations.map((conversation) => conversation.id)).toContain(id);
      const shown = (await (await fetch(`${server.url}/api/history/${id}`)).json()) as { messages: { content: string }[] };
      expect(shown.messages.map((message) => message.content)).toEqual(['History please', 'Hello, world!']);
      const renamed = await fetch(`${server.url}/api/history/${id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Renamed' }),
      });
      expect(((await renamed.json()) as { title: string }).title).toBe('Renamed');
      expect((await fetch(`${server.url}/api/history/${id}`, { method: 'DELETE' })).status).toBe(200);
      expect((await fetch(`${server.url}/api/history/${id}`)).status).toBe(404);
    });

    it('cancels the upstream and stores the partial answer as aborted when the client disconnects mid-stream', async () => {
      ollama.setBehaviour({ tokens: TWENTY, tokenDelayMs: 50 });
      const controller = new AbortController();
      const response = await post('/api/chat/stream', { message: 'Long answer' }, controller.signal);
      const conversationId = response.headers.get('x-conversation-id') ?? '';
      const seen = await readTokens(response, 3);
      const abortedAt = Date.now();
      controller.abort();

      await ollama.waitForAbort(1, 1000);
      expect(Date.now() - abortedAt).toBeLessThan(1000);
      const [, assistant] = await settledTurn(conversationId);
      expect(assistant?.status).toBe('aborted');
      expect(assistant?.content.startsWith(seen.join(''))).toBe(true);
      expect(assistant?.content).not.toBe(TWENTY.join(''));
      expect(ollama.hits('/api/chat')).toBe(1);
    });

    it('cancels the upstream when the client leaves before the first token', async () => {
      ollama.setBehaviour({ tokens: ['never'], firstTokenDelayMs: 3000 });
      const controller = new AbortController();
      const response = await post('/api/chat/stream', { message: 'Slow start' }, controller.signal);
      const conversationId = response.headers.get('x-conversation-id') ?? '';
      await new Promise((resolve) => setTimeout(resolve, 200));
      controller.abort();

      await ollama.waitForAbort(1, 1000);
      const [, assistant] = await settledTurn(conversationId);
      expect(assistant).toMatchObject({ status: 'aborted', content: '' });
    });

    it('cancels the upstream and stores the partial answer when a /api/chat client disconnects', async () => {
      ollama.setBehaviour({ tokens: TWENTY, tokenDelayMs: 50 });
      const controller = new AbortController();
      const pending = post('/api/chat', { message: 'Long answer' }, controller.signal);
      await eventually(() => Promise.resolve(ollama.hits('/api/chat') === 1 ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 200));
      controller.abort();
      await expect(pending).rejects.toThrow();

      await ollama.waitForAbort(1, 1000);
      const [, assistant] = await settledTurn(await latestConversationId());
      expect(assistant?.status).toBe('aborted');
      expect(TWENTY.join('').startsWith(assistant?.content ?? 'x')).toBe(true);
      expect(assistant?.content).not.toBe(TWENTY.join(''));
    });

    it('keeps an idle keep-alive connection open longer than 10 s, so proxies that pool connections reuse it safely', async () => {
      // Bun closes idle sockets after 10 s unless idleTimeout says otherwise; cloudflared and most
      // proxies keep pooled connections for 90 s and get a reset when the server closed one first.
      const { hostname, port } = new URL(server.url);
      const socket = connect(Number(port), hostname);
      try {
        const answered = new Promise<string>((resolve) =>
          socket.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1'))),
        );
        socket.write(`GET /health HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
        expect(await answered).toMatch(/^HTTP\/1\.1 200/);
        const closed = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), idleWindowMs);
          socket.once('close', () => {
            clearTimeout(timer);
            resolve(true);
          });
        });
        expect(closed).toBe(false);
      } finally {
        socket.destroy();
      }
    }, 30_000);
  });
}
