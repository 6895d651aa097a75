/**
 * A fake Ollama server for tests: real HTTP on 127.0.0.1 (random port), Ollama's
 * wire format, scriptable per request (delays, faults). See fake-ollama-wire.ts
 * for the payload builders.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import {
  doneObject,
  embedObject,
  errorLine,
  estimatePromptTokens,
  invalidImages,
  loadObject,
  parseRequestBody,
  partialObject,
  tagEntry,
  tokenLine,
  toolCallLine,
  withLatest,
  type GenerationKind,
  type OllamaToolCall,
} from './fake-ollama-wire.ts';
import { handleControlRequest } from './fake-ollama-control.ts';
import { handlePull } from './fake-ollama-pull.ts';
import { listenOnLoopback } from './listen-local.ts';

export type FakeOllamaFault =
  | { kind: 'refuse' } // destroy the socket immediately without any response
  | { kind: 'stall-before-headers' } // never send headers (socket stays open until the client closes)
  | { kind: 'stall-after-headers' } // 200 + headers flushed, then nothing
  | { kind: 'stall-after-tokens'; after: number } // `after` token chunks, then nothing
  | { kind: 'reset-after-tokens'; after: number } // `after` token chunks, then socket.destroy()
  | { kind: 'error-after-tokens'; after: number; message: string } // `after` chunks, `{"error":…}\n`, end
  | { kind: 'eof-before-done'; after: number } // `after` chunks, then a clean end without the done chunk
  | { kind: 'done-reason-without-done' } // all chunks, final chunk has done_reason:"stop" but done:false
  | { kind: 'http-error'; status: number; body: string; contentType?: string; headers?: Record<string, string> }
  // 200 with this content type and body: another server, or a proxy's own page, at Ollama's address
  | { kind: 'foreign-body'; contentType: string; body: string };

export interface FakeOllamaBehaviour {
  tokens: string[];
  tokenDelayMs: number;
  firstTokenDelayMs: number;
  headerDelayMs: number;
  /** `| undefined` so that `setBehaviour({ promptEvalCount: undefined })` can clear it. */
  promptEvalCount?: number | undefined;
  /** `| undefined` so that `setBehaviour({ fault: undefined })` can clear it. */
  fault?: FakeOllamaFault | undefined;
  /** The Content-Type of a streamed answer instead of `application/x-ndjson`; '' sends none. */
  streamContentType?: string | undefined;
  /** /api/chat answers with these tool calls after the text tokens. */
  toolCalls?: OllamaToolCall[] | undefined;
  /** POST /api/pull: Ollama's error text, sent as a line after "pulling manifest" (fake-ollama-pull.ts). */
  pullError?: string | undefined;
  /** POST /api/pull: delay before each progress line after the first. */
  pullStepDelayMs?: number | undefined;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON; the raw text if it was not valid JSON; undefined if empty. */
  body: unknown;
  receivedAt: number;
}

export interface FakeOllama {
  url: string;
  requests: RecordedRequest[];
  hits(path?: string): number;
  setBehaviour(patch: Partial<FakeOllamaBehaviour>): void;
  enqueue(...patches: Partial<FakeOllamaBehaviour>[]): void;
  setModels(names: string[]): void;
  abortedRequests(): number;
  waitForAbort(count?: number, timeoutMs?: number): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

export const DEFAULT_MODELS: readonly string[] = ['llama3.2:latest', 'llama3.2:1b'];

export function defaultBehaviour(): FakeOllamaBehaviour {
  return { tokens: ['Hello', ',', ' world', '!'], tokenDelayMs: 0, firstTokenDelayMs: 0, headerDelayMs: 0 };
}

const JSON_CT = 'application/json; charset=utf-8';
const GO_TYPES: Record<GenerationKind, string> = { chat: 'api.ChatRequest', generate: 'api.GenerateRequest' };

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': JSON_CT });
  res.end(JSON.stringify(payload));
}

function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': contentType });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
    req.on('close', () => reject(new Error('request closed before body was read')));
  });
}

/**
 * Chooses a request's behaviour from its parsed JSON body (undefined: the standing or queued one), so a
 * run of concurrent requests can be scripted per request (bench/chaos-plan.ts) instead of in arrival order.
 */
export type FakeOllamaScript = (body: unknown) => Partial<FakeOllamaBehaviour> | undefined;

export async function startFakeOllama(
  initial: Partial<FakeOllamaBehaviour> = {},
  options: { script?: FakeOllamaScript } = {},
): Promise<FakeOllama> {
  const initialBehaviour = (): FakeOllamaBehaviour => ({ ...defaultBehaviour(), ...initial });
  let behaviour = initialBehaviour();
  let queue: Partial<FakeOllamaBehaviour>[] = [];
  let models = new Set(DEFAULT_MODELS.map(withLatest));
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const abortListeners = new Set<() => void>();
  let aborted = 0;
  let closing = false;

  const scripted = (raw: string): Partial<FakeOllamaBehaviour> | undefined => {
    if (options.script === undefined) return undefined;
    try {
      return options.script(JSON.parse(raw) as unknown);
    } catch {
      return undefined;
    }
  };

  async function generation(kind: GenerationKind, req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    const b: FakeOllamaBehaviour = { ...behaviour, ...(scripted(raw) ?? queue.shift() ?? {}) };
    const fault = b.fault;
    const ctl = new AbortController();
    let selfDestroyed = false;
    res.on('close', () => {
      if (res.writableEnded) return;
      ctl.abort();
      if (selfDestroyed || closing) return;
      aborted++;
      for (const listener of abortListeners) listener();
    });
    const live = (): boolean => !ctl.signal.aborted && !res.destroyed;
    const sleep = async (ms: number): Promise<boolean> => {
      if (ms > 0) await delay(ms, undefined, { signal: ctl.signal }).catch(() => undefined);
      return live();
    };
    const write = (chunk: string): boolean => (live() ? (res.write(chunk), true) : false);
    const destroySocket = async (): Promise<void> => {
      // Let already-written chunks reach the kernel first, then drop the connection.
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
    if (fault?.kind === 'http-error' || fault?.kind === 'foreign-body') {
      const status = fault.kind === 'http-error' ? fault.status : 200;
      const headers = fault.kind === 'http-error' ? fault.headers : {};
      res.writeHead(status, { 'Content-Type': fault.contentType ?? JSON_CT, ...headers });
      res.end(fault.body);
      return;
    }
    if (fault?.kind === 'stall-before-headers') return;

    const parsed = parseRequestBody(raw, GO_TYPES[kind]);
    if (!parsed.ok) {
      sendJson(res, 400, { error: parsed.error });
      return;
    }
    const body = parsed.value;
    const imageProblem = kind === 'chat' ? invalidImages(body) : undefined;
    if (imageProblem !== undefined) {
      sendJson(res, 400, { error: imageProblem });
      return;
    }
    const model = typeof body['model'] === 'string' ? body['model'] : '';
    if (model === '') {
      sendJson(res, 400, { error: 'model is required' });
      return;
    }
    if (!models.has(withLatest(model))) {
      sendJson(res, 404, { error: `model '${model}' not found` });
      return;
    }
    const empty =
      kind === 'chat'
        ? Array.isArray(body['messages']) && body['messages'].length === 0
        : body['prompt'] === undefined || body['prompt'] === '';
    if (empty) {
      sendJson(res, 200, loadObject(kind, model));
      return;
    }

    const stream = body['stream'] !== false;
    const tokens = b.tokens;
    const stats = { promptEvalCount: b.promptEvalCount ?? estimatePromptTokens(kind, body), evalCount: tokens.length };
    const limit = fault !== undefined && 'after' in fault ? Math.max(0, Math.min(fault.after, tokens.length)) : tokens.length;

    if (!stream) {
      if (fault?.kind === 'stall-after-headers') {
        res.writeHead(200, { 'Content-Type': JSON_CT });
        res.flushHeaders();
        return;
      }
      if (!(await sleep(b.firstTokenDelayMs + b.tokenDelayMs * Math.max(0, limit - 1)))) return;
      const content = tokens.slice(0, limit).join('');
      switch (fault?.kind) {
        case 'stall-after-tokens':
          return;
        case 'reset-after-tokens':
          return destroySocket();
        case 'error-after-tokens': {
          sendJson(res, 500, { error: fault.message });
          return;
        }
        case 'eof-before-done': {
          sendJson(res, 200, partialObject(kind, model, content));
          return;
        }
        case 'done-reason-without-done': {
          sendJson(res, 200, doneObject(kind, model, content, stats, false));
          return;
        }
        default: {
          sendJson(res, 200, doneObject(kind, model, content, stats, true, kind === 'chat' ? (b.toolCalls ?? []) : []));
          return;
        }
      }
    }

    const contentType = b.streamContentType ?? 'application/x-ndjson';
    res.writeHead(200, contentType === '' ? {} : { 'Content-Type': contentType });
    res.flushHeaders();
    if (fault?.kind === 'stall-after-headers') return;
    if (!(await sleep(b.firstTokenDelayMs))) return;
    const modelJson = JSON.stringify(model);
    for (let i = 0; i < limit; i++) {
      if (i > 0 && !(await sleep(b.tokenDelayMs))) return;
      if (!write(tokenLine(kind, modelJson, tokens[i] ?? ''))) return;
    }
    switch (fault?.kind) {
      case 'stall-after-tokens':
        return;
      case 'reset-after-tokens':
        return destroySocket();
      case 'error-after-tokens':
        if (write(errorLine(fault.message))) res.end();
        return;
      case 'eof-before-done':
        if (live()) res.end();
        return;
      case 'done-reason-without-done':
        if (write(`${JSON.stringify(doneObject(kind, model, '', stats, false))}\n`)) res.end();
        return;
      default:
        if (kind === 'chat' && (b.toolCalls ?? []).length > 0 && !write(toolCallLine(modelJson, b.toolCalls ?? []))) return;
        if (write(`${JSON.stringify(doneObject(kind, model, '', stats))}\n`)) res.end();
    }
  }

  /** POST /api/embed: scripted faults, Ollama's 404 for a missing model, else embedObject. */
  function embed(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const b: FakeOllamaBehaviour = { ...behaviour, ...(queue.shift() ?? {}) };
    if (b.fault?.kind === 'refuse') {
      req.socket.destroy();
      return;
    }
    if (b.fault?.kind === 'http-error') {
      res.writeHead(b.fault.status, { 'Content-Type': b.fault.contentType ?? JSON_CT, ...b.fault.headers });
      res.end(b.fault.body);
      return;
    }
    const parsed = parseRequestBody(raw, 'api.EmbedRequest');
    if (!parsed.ok) {
      sendJson(res, 400, { error: parsed.error });
      return;
    }
    const body = parsed.value;
    const model = typeof body['model'] === 'string' ? body['model'] : '';
    if (!models.has(withLatest(model))) {
      sendJson(res, 404, { error: `model "${model}" not found, try pulling it first` });
      return;
    }
    sendJson(res, 200, embedObject(model, body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = Date.now();
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const raw = await readBody(req);
    // The control API (tests in another process or in workerd drive the fake over HTTP); not recorded.
    if (path.startsWith('/__fake/')) {
      handleControlRequest(fake, method, path, raw, res);
      return;
    }
    let recordedBody: unknown = raw === '' ? undefined : raw;
    try {
      if (raw !== '') recordedBody = JSON.parse(raw) as unknown;
    } catch {
      // keep the raw text
    }
    requests.push({ method, path, headers: { ...req.headers }, body: recordedBody, receivedAt });

    const get = method === 'GET' || method === 'HEAD';
    if (method === 'POST' && path === '/api/chat') return generation('chat', req, res, raw);
    if (method === 'POST' && path === '/api/generate') return generation('generate', req, res, raw);
    if (method === 'POST' && path === '/api/embed') {
      embed(req, res, raw);
      return;
    }
    if (method === 'POST' && path === '/api/pull') {
      const b: FakeOllamaBehaviour = { ...behaviour, ...(queue.shift() ?? {}) };
      return handlePull(req, res, raw, {
        pullError: b.pullError,
        stepDelayMs: b.pullStepDelayMs ?? 0,
        installed: (name) => models.add(withLatest(name)),
        aborted: () => {
          if (closing) return;
          aborted++;
          for (const listener of abortListeners) listener();
        },
      });
    }
    if (get && path === '/api/tags') {
      sendJson(res, 200, { models: [...models].map(tagEntry) });
      return;
    }
    if (get && path === '/api/version') {
      sendJson(res, 200, { version: '0.12.6' });
      return;
    }
    if (get && path === '/') {
      sendText(res, 200, 'Ollama is running');
      return;
    }
    sendText(res, 404, '404 page not found', 'text/plain'); // gin's default 404
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent && !res.destroyed) sendText(res, 500, 'internal error');
    });
  });
  server.keepAliveTimeout = 100_000;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  const url = await listenOnLoopback(server);

  const fake: FakeOllama = {
    url,
    requests,
    hits: (path) => (path === undefined ? requests.length : requests.filter((r) => r.path === path).length),
    setBehaviour(patch) {
      behaviour = { ...behaviour, ...patch };
    },
    enqueue(...patches) {
      queue.push(...patches);
    },
    setModels(names) {
      models = new Set(names.map(withLatest));
    },
    abortedRequests: () => aborted,
    waitForAbort(count = 1, timeoutMs = 3000) {
      if (aborted >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (aborted < count) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`fake-ollama: expected ${count} aborted request(s) within ${timeoutMs}ms, saw ${aborted}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          abortListeners.delete(check);
        };
        abortListeners.add(check);
      });
    },
    reset() {
      requests.length = 0;
      queue = [];
      behaviour = initialBehaviour();
      models = new Set(DEFAULT_MODELS.map(withLatest));
      aborted = 0;
    },
    async close() {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
  return fake;
}

/** A URL on 127.0.0.1 where nothing listens (port was free a moment ago). */
export async function unusedLocalUrl(): Promise<string> {
  const probe = createNetServer();
  const url = await listenOnLoopback(probe);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return url;
}
