import type { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';

/** Statuses whose response has no body (a Response with a body for them throws). */
const bodilessStatuses = new Set([101, 204, 205, 304]);

/**
 * A `fetch` for upstream calls on Node, on undici's request API. Node's global fetch cost 0.41 ms of CPU
 * per call to the bench's fake upstream against 0.07 ms for the same call through `undici.request`
 * (bench/, README "Performance"): the gateway's biggest cost per request. It covers what the providers
 * use — string or URL input, method, headers, string or byte bodies, an abort signal, no redirects
 * (the transport never follows them) — and throws what fetch throws: a TypeError('fetch failed') with
 * the socket error as cause, or the signal's reason on abort. Anything else goes to the global fetch.
 */
export function createNodeFetch(options: { keepAliveTimeoutMs?: number } = {}): typeof fetch {
  const dispatcher = new Agent({ keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000 });
  return async (input, init) => {
    const body = init?.body;
    const supported =
      (typeof input === 'string' || input instanceof URL) &&
      (body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array) &&
      (init?.redirect === undefined || init.redirect === 'manual');
    if (!supported) return globalThis.fetch(input, init);

    const signal = init?.signal ?? undefined;
    const headers: Record<string, string> = {};
    const given = init?.headers;
    (given instanceof Headers ? given : new Headers(given)).forEach((value, name) => {
      headers[name] = value;
    });
    let answer: Dispatcher.ResponseData;
    try {
      answer = await request(input, {
        dispatcher,
        method: init?.method ?? 'GET',
        headers,
        body: body ?? null,
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (error) {
      if (signal?.aborted === true) throw signal.reason;
      throw new TypeError('fetch failed', { cause: error });
    }
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (Array.isArray(value)) for (const item of value) responseHeaders.append(name, item);
      else if (value !== undefined) responseHeaders.set(name, value);
    }
    if (bodilessStatuses.has(answer.statusCode)) {
      answer.body.resume();
      return new Response(null, { status: answer.statusCode, headers: responseHeaders });
    }
    return new Response(toWebStream(answer.body), { status: answer.statusCode, headers: responseHeaders });
  };
}

/**
 * A web stream over a Node body, with back-pressure. Not `Readable.toWeb`: after the web side is
 * cancelled (an error page's body dropped unread) it can still enqueue a chunk that was in flight,
 * which throws "Controller is already closed" as an uncaught exception.
 */
function toWebStream(body: Readable): ReadableStream<Uint8Array> {
  let done = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        body.on('data', (chunk: Buffer) => {
          if (done) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) body.pause();
        });
        body.once('end', () => {
          if (done) return;
          done = true;
          controller.close();
        });
        body.once('error', (error: Error) => {
          if (done) return;
          done = true;
          controller.error(error);
        });
      },
      pull() {
        body.resume();
      },
      cancel() {
        done = true;
        body.destroy();
      },
    },
    { highWaterMark: 16 },
  );
}
