/**
 * A Server-Sent Events body on web streams: `data:` events carrying JSON, `: keep-alive` comments when
 * nothing went out for a while, back-pressure from the client, and a callback when the client goes away.
 *
 * Hono's streamSSE is not used here: it adds `Connection: keep-alive` (forbidden on HTTP/2), swallows
 * write errors, and writes a raw `e.message` to the client when the callback throws (RELIABILITY.md
 * case 32). This module is smaller than the workarounds would be.
 */
export interface SseStream {
  readonly readable: ReadableStream<Uint8Array>;
  /** True once the client has gone away or the stream was closed. */
  readonly closed: boolean;
  /** Sends one `data:` event carrying JSON; resolves when the client is ready for more (back-pressure). */
  send(data: unknown): Promise<void>;
  /** Sends one `data:` event carrying this text as is (OpenAI's `[DONE]`). */
  sendText(text: string): Promise<void>;
  close(): void;
}

export interface SseStreamOptions {
  keepAliveMs: number;
  /** Called once when the client cancels the body (disconnects). */
  onCancel?: () => void;
}

export const sseHeaders: Record<string, string> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  // Keeps compression layers (wrangler dev, proxies) from buffering the stream.
  'Content-Encoding': 'identity',
};

const encoder = new TextEncoder();
const keepAliveBytes = encoder.encode(': keep-alive\n\n');

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
        enqueue(keepAliveBytes);
        scheduleKeepAlive(options.keepAliveMs);
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

  const enqueue = (bytes: Uint8Array) => {
    if (closed) return;
    lastWriteAt = Date.now();
    controller.enqueue(bytes);
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
    { highWaterMark: 32 },
  );
  scheduleKeepAlive(options.keepAliveMs);

  const sendText = async (text: string) => {
    if (closed) return;
    enqueue(encoder.encode(`data: ${text}\n\n`));
    if ((controller.desiredSize ?? 1) <= 0) {
      await new Promise<void>((resolve) => {
        resumeWriter = resolve;
      });
    }
  };

  return {
    readable,
    get closed() {
      return closed;
    },
    send: (data) => sendText(JSON.stringify(data)),
    sendText,
    close() {
      if (closed) return;
      shutDown();
      controller.close();
    },
  };
}
