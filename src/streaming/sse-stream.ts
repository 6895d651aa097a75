/**
 * A Server-Sent Events body on web streams: `data:` events carrying JSON, `: keep-alive` comments when
 * nothing went out for a while, back-pressure from the client, and a callback when the client goes away.
 *
 * Hono's streamSSE is not used here: it adds `Connection: keep-alive` (forbidden on HTTP/2), swallows
 * write errors, and writes a raw `e.message` to the client when the callback throws (RELIABILITY.md
 * case 32). This module is smaller than the workarounds would be.
 */
import { afterThisTurn } from '../runtime/after-this-turn.ts';

export interface SseStream {
  readonly readable: ReadableStream<Uint8Array>;
  /** True once the client has gone away or the stream was closed. */
  readonly closed: boolean;
  /** Sends one `data:` event carrying JSON; resolves when the client is ready for more (back-pressure). */
  send(data: unknown): Promise<void>;
  /**
   * Sends one `data:` event carrying this text as is: JSON already serialized, or OpenAI's `[DONE]`.
   * Returns a promise only when the client is behind (back-pressure), to resolve when it is ready for
   * more; otherwise nothing, so the per-token path makes no promise and waits no microtask.
   */
  sendText(text: string): void | Promise<void>;
  close(): void;
}

export interface SseStreamOptions {
  keepAliveMs: number;
  /** Called once when the client cancels the body (disconnects). */
  onCancel?: () => void;
  /** Called after each `: keep-alive` comment is queued (nothing went out for `keepAliveMs`). */
  onKeepAlive?: () => void;
}

export const sseHeaders: Record<string, string> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  // Keeps compression layers (wrangler dev, proxies) from buffering the stream.
  'Content-Encoding': 'identity',
};

const encoder = new TextEncoder();
const keepAliveComment = ': keep-alive\n\n';

/**
 * Bytes a stream holds for a client that reads slowly (queued plus not yet written); past it `send`
 * waits, which holds back the model's stream (RELIABILITY.md case 18).
 */
const bufferedBytesLimit = 16 * 1024;

export function createSseStream(options: SseStreamOptions): SseStream {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  let resumeWriter: (() => void) | undefined;
  let lastWriteAt = Date.now();
  let keepAliveTimer: ReturnType<typeof setTimeout> | undefined;

  const resume = () => {
    const resolve = resumeWriter;
    resumeWriter = undefined;
    resolve?.();
  };

  const scheduleKeepAlive = (delayMs: number) => {
    keepAliveTimer = setTimeout(() => {
      if (closed) return;
      const idleMs = Date.now() - lastWriteAt;
      if (idleMs >= options.keepAliveMs) {
        enqueue(keepAliveComment);
        scheduleKeepAlive(options.keepAliveMs);
        options.onKeepAlive?.();
      } else {
        scheduleKeepAlive(options.keepAliveMs - idleMs);
      }
    }, delayMs);
  };

  const shutDown = () => {
    closed = true;
    clearTimeout(keepAliveTimer);
    resume();
  };

  // Events sent in the same turn of the event loop (tokens that arrived in one upstream read) go out
  // in two writes to the response, not one per event: the turn's first event at once, the rest as one
  // chunk when the turn ends. For a 20-token answer read at once, /v1 SSE at concurrency 16 on Node
  // used less CPU per stream in each of three interleaved A/B pairs (mean 0.82 → 0.67 ms on a noisy
  // machine; writing the whole turn as one chunk measured 0.73 → 0.64 but delayed its first event).
  // The held events stay text and are encoded once, as one string, when the turn ends.
  let batch = '';
  let flushScheduled = false;
  const flush = () => {
    flushScheduled = false;
    if (closed || batch === '') return;
    const text = batch;
    batch = '';
    controller.enqueue(encoder.encode(text));
  };

  const enqueue = (text: string) => {
    if (closed) return;
    lastWriteAt = Date.now();
    if (!flushScheduled) {
      // The first event of a turn goes out at once; the turn's later events wait for its end.
      flushScheduled = true;
      afterThisTurn(flush);
      controller.enqueue(encoder.encode(text));
      return;
    }
    batch += text;
    // Characters, not bytes: close enough for a limit that only bounds what waits here.
    if (batch.length >= bufferedBytesLimit) flush();
  };

  const readable = new ReadableStream<Uint8Array>(
    {
      start(streamController) {
        controller = streamController;
      },
      pull() {
        resume();
      },
      cancel() {
        if (closed) return;
        shutDown();
        options.onCancel?.();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: bufferedBytesLimit }),
  );
  scheduleKeepAlive(options.keepAliveMs);

  const sendText = (text: string): void | Promise<void> => {
    if (closed) return;
    enqueue(`data: ${text}\n\n`);
    if ((controller.desiredSize ?? 1) - batch.length <= 0) {
      return new Promise<void>((resolve) => {
        resumeWriter = resolve;
      });
    }
  };

  return {
    readable,
    get closed() {
      return closed;
    },
    send: async (data) => {
      await sendText(JSON.stringify(data));
    },
    sendText,
    close() {
      if (closed) return;
      flush();
      shutDown();
      controller.close();
    },
  };
}
