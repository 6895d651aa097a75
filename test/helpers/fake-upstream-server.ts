/**
 * The scriptable core of the fake cloud upstreams (fake-openai.ts, fake-anthropic.ts): real HTTP on
 * 127.0.0.1, a per-request behaviour (delays and faults, queued or standing), recorded requests and hit
 * counts, aborted-request counts, and idle sockets dropped the way a tunnel or NAT drops them.
 * The wire format (event framing, error bodies) comes from a `WireFormat`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import {
  defaultUpstreamBehaviour,
  type FakeUpstreamBehaviour,
  type GenerationContext,
  type RecordedRequest,
  type WireFormat,
} from './fake-upstream-types.ts';
import { listenOnLoopback } from './listen-local.ts';

export type {
  FakeUpstreamBehaviour,
  FakeUpstreamFault,
  GenerationContext,
  RecordedRequest,
  WireFormat,
} from './fake-upstream-types.ts';

export interface FakeUpstream {
  url: string;
  requests: RecordedRequest[];
  hits(path?: string): number;
  setBehaviour(patch: Partial<FakeUpstreamBehaviour>): void;
  enqueue(...patches: Partial<FakeUpstreamBehaviour>[]): void;
  setModels(names: string[]): void;
  /** Drop a kept-alive socket when a request arrives on it after this much idle time (RST, no response). */
  dropIdleSocketsAfter(milliseconds: number | undefined): void;
  staleSocketDrops(): number;
  abortedRequests(): number;
  waitForAbort(count?: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

function sendJson(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(payload));
}

/** Chooses a generation request's behaviour from its JSON body (undefined: the standing or queued one). */
export type FakeUpstreamScript = (body: Record<string, unknown>) => Partial<FakeUpstreamBehaviour> | undefined;

export async function startFakeUpstream(
  wire: WireFormat,
  initialModels: string[],
  initial: Partial<FakeUpstreamBehaviour> = {},
  script?: FakeUpstreamScript,
): Promise<FakeUpstream> {
  let behaviour: FakeUpstreamBehaviour = { ...defaultUpstreamBehaviour(), ...initial };
  let queue: Partial<FakeUpstreamBehaviour>[] = [];
  let models = new Set(initialModels);
  let dropIdleAfterMs: number | undefined;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const lastAnsweredAt = new WeakMap<Socket, number>();
  const abortListeners = new Set<() => void>();
  let aborted = 0;
  let drops = 0;
  let closing = false;

  async function generate(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): Promise<void> {
    const b: FakeUpstreamBehaviour = { ...behaviour, ...(script?.(body) ?? queue.shift()) };
    const { fault } = b;
    const controller = new AbortController();
    let selfDestroyed = false;
    res.on('close', () => {
      if (res.writableEnded) return;
      controller.abort();
      if (selfDestroyed || closing) return;
      aborted += 1;
      for (const listener of abortListeners) listener();
    });
    const live = () => !controller.signal.aborted && !res.destroyed;
    const sleep = async (milliseconds: number) => {
      if (milliseconds > 0) await delay(milliseconds, undefined, { signal: controller.signal }).catch(() => undefined);
      return live();
    };
    const destroySocket = async () => {
      await new Promise<void>((resolve) => (req.socket.writable ? req.socket.write('', () => resolve()) : resolve()));
      selfDestroyed = true;
      req.socket.destroy();
    };

    if (fault?.kind === 'refuse') {
      selfDestroyed = true;
      req.socket.destroy();
      return;
    }
    if (!(await sleep(b.headerDelayMs))) return;
    if (fault?.kind === 'http-error') {
      res.writeHead(fault.status, { 'Content-Type': fault.contentType ?? 'application/json', ...fault.headers });
      res.end(fault.body ?? JSON.stringify(wire.errorBody(fault.status)));
      return;
    }
    if (fault?.kind === 'foreign-body') {
      res.writeHead(200, { 'Content-Type': fault.contentType });
      res.end(fault.body);
      return;
    }
    if (fault?.kind === 'stall-before-headers') return;
    const denied = wire.checkAuth(req);
    if (denied) {
      sendJson(res, denied.status, denied.body);
      return;
    }
    const invalid = wire.validate?.(body);
    if (invalid) {
      sendJson(res, invalid.status, invalid.body);
      return;
    }
    const model = typeof body['model'] === 'string' ? body['model'] : '';
    if (!models.has(model)) {
      const missing = wire.modelNotFound(model);
      sendJson(res, missing.status, missing.body);
      return;
    }
    const context: GenerationContext = {
      model,
      body,
      behaviour: b,
      inputTokens: Math.max(1, Math.ceil(JSON.stringify(body).length / 40)),
    };
    const limit = fault !== undefined && 'after' in fault ? Math.min(fault.after, b.tokens.length) : b.tokens.length;

    if (!wire.streams(body)) {
      if (fault?.kind === 'stall-after-headers') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.flushHeaders();
        return;
      }
      if (!(await sleep(b.firstTokenDelayMs))) return;
      if (fault?.kind === 'reset-after-tokens') return destroySocket();
      if (fault?.kind === 'stall-after-tokens') return;
      sendJson(res, 200, wire.json(context, b.tokens.slice(0, limit).join('')));
      return;
    }

    const contentType = b.streamContentType ?? 'text/event-stream; charset=utf-8';
    res.writeHead(200, { ...(contentType === '' ? {} : { 'Content-Type': contentType }), 'Cache-Control': 'no-cache' });
    res.flushHeaders();
    if (fault?.kind === 'stall-after-headers') return;
    if (!(await sleep(b.firstTokenDelayMs))) return;
    // With splitAt the events are collected and written at the end, cut at the given byte offsets.
    const buffered: string[] | undefined = b.splitAt === undefined ? undefined : [];
    const write = (event: string): boolean => {
      if (buffered) return buffered.push(event) > 0;
      if (!live()) return false;
      res.write(event);
      return true;
    };
    write(wire.prelude(context));
    for (let index = 0; index < limit; index += 1) {
      if (index > 0 && !(await sleep(b.tokenDelayMs))) return;
      if (!write(wire.token(context, b.tokens[index] ?? '', index))) return;
    }
    if (fault?.kind === 'stall-after-tokens') return;
    if (fault?.kind === 'reset-after-tokens') return destroySocket();
    if (fault?.kind === 'error-after-tokens') write(wire.errorEvent(fault.message));
    else if (fault?.kind !== 'eof-before-done') {
      if ((b.toolCalls ?? []).length > 0) write(wire.toolCallEvents(context, limit));
      write(wire.finish(context));
      if (fault?.kind !== 'no-done-marker') write(wire.doneMarker(context));
    }
    if (buffered && b.splitAt) {
      const bytes = Buffer.from(buffered.join(''));
      const cuts = [...b.splitAt.filter((at) => at > 0 && at < bytes.length).sort((x, y) => x - y), bytes.length];
      let start = 0;
      for (const cut of cuts) {
        if (cut <= start) continue;
        if (!live()) return;
        res.write(bytes.subarray(start, cut));
        start = cut;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    if (live()) res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const previous = lastAnsweredAt.get(req.socket);
    if (dropIdleAfterMs !== undefined && previous !== undefined && Date.now() - previous > dropIdleAfterMs) {
      drops += 1;
      req.socket.resetAndDestroy();
      return;
    }
    res.on('finish', () => lastAnsweredAt.set(req.socket, Date.now()));
    const receivedAt = Date.now();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const raw = await readBody(req);
    let body: unknown = raw === '' ? undefined : raw;
    try {
      if (raw !== '') body = JSON.parse(raw) as unknown;
    } catch {
      // keep the raw text
    }
    requests.push({ method: req.method ?? 'GET', path, headers: { ...req.headers }, body, receivedAt });
    if (req.method === 'POST' && path === wire.generationPath) {
      if (typeof body !== 'object' || body === null) {
        sendJson(res, 400, wire.errorBody(400, 'We could not parse the JSON body of your request.'));
        return;
      }
      return generate(req, res, body as Record<string, unknown>);
    }
    if (req.method === 'POST' && wire.embeddingPath !== undefined && path === wire.embeddingPath && wire.embeddings) {
      const b: FakeUpstreamBehaviour = { ...behaviour, ...queue.shift() };
      if (b.fault?.kind === 'refuse') {
        req.socket.destroy();
        return;
      }
      if (b.fault?.kind === 'http-error') {
        res.writeHead(b.fault.status, { 'Content-Type': b.fault.contentType ?? 'application/json', ...b.fault.headers });
        res.end(b.fault.body ?? JSON.stringify(wire.errorBody(b.fault.status)));
        return;
      }
      const denied = wire.checkAuth(req);
      const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
      const model = typeof fields['model'] === 'string' ? fields['model'] : '';
      const answer = denied ?? (models.has(model) ? wire.embeddings(fields, model) : wire.modelNotFound(model));
      sendJson(res, answer.status, answer.body);
      return;
    }
    if (req.method === 'GET' && path === '/v1/models') {
      const denied = wire.checkAuth(req);
      if (denied) sendJson(res, denied.status, denied.body);
      else sendJson(res, 200, wire.modelsList([...models]));
      return;
    }
    sendJson(res, 404, wire.errorBody(404, `Invalid URL (${req.method ?? 'GET'} ${path})`));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, wire.errorBody(500));
    });
  });
  server.keepAliveTimeout = 100_000;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  const url = await listenOnLoopback(server);

  return {
    url,
    requests,
    hits: (path) => (path === undefined ? requests.length : requests.filter((request) => request.path === path).length),
    setBehaviour(patch) {
      behaviour = { ...behaviour, ...patch };
    },
    enqueue(...patches) {
      queue.push(...patches);
    },
    setModels(names) {
      models = new Set(names);
    },
    dropIdleSocketsAfter(milliseconds) {
      dropIdleAfterMs = milliseconds;
    },
    staleSocketDrops: () => drops,
    abortedRequests: () => aborted,
    waitForAbort(count = 1, timeoutMs = 3000) {
      if (aborted >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (aborted < count) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `fake upstream: expected ${String(count)} aborted request(s) within ${String(timeoutMs)}ms, saw ${String(aborted)}`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          abortListeners.delete(check);
        };
        abortListeners.add(check);
      });
    },
    async close() {
      closing = true;
      queue = [];
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
