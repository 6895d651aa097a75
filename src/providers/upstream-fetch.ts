import type { CallObserver } from './model-provider.ts';
import { mediaTypeOf, type StreamFormat } from './stream-format.ts';
import { UpstreamStreamError } from './upstream-stream-error.ts';

/**
 * The one HTTP transport every provider uses: what it adds is the same for Ollama, OpenAI, Anthropic
 * and the OpenAI-compatible ones.
 *
 * - No `Origin` header ever leaves (Ollama refuses origins it does not know, ollama/ollama#6021) and
 *   redirects are not followed: a tunnel's redirect to a login page must not take the request, with
 *   its credentials, to another host.
 * - A pooled connection that the other side (a tunnel, a proxy, a NAT) dropped while idle fails the
 *   next request with a reset before any response byte. Such a request is sent once more, on a fresh
 *   connection, when this upstream has answered before (so a pooled connection can exist); a server that
 *   never answered is not retried here (RELIABILITY.md case 14).
 * - `observed(observer)` reports when response headers arrive, and checks that a 200 to a request for
 *   a stream is this kind's stream (`StreamFormat`): its media type (parameters and case ignored; a
 *   body without a Content-Type is left to the guard), then its first line or event through the
 *   kind's guard, which starts the answer. Anything else at the model server's address (a tunnel's
 *   page, nginx's default `application/octet-stream`, another server's JSON) is an error, never an
 *   empty answer. A non-streaming call only has web pages refused.
 */
export interface UpstreamTransport {
  /** Plain requests (model lists, health). */
  readonly fetch: typeof fetch;
  /** Model calls: reports to the call's observer. */
  observed(observer: CallObserver): typeof fetch;
  /**
   * One fetch for models built once and reused for every call (building an AI SDK provider and model
   * per call built their zod schemas each time): the call's observer is found by the id in the
   * `callHeader` request header, which `observe` sets and this fetch removes before the request leaves.
   */
  readonly sharedFetch: typeof fetch;
  /** Runs one model call with `observer` for its requests; `call` gets the header to pass to the AI SDK call. */
  observe<T>(observer: CallObserver, call: (headers: Record<string, string>) => PromiseLike<T>): Promise<T>;
}

/** The request header that carries a call's id from the AI SDK's request to the shared fetch (never sent upstream). */
export const callHeader = 'x-edge-llm-call';

const ignoringObserver: CallObserver = {
  onResponse: () => undefined,
  onAnswerStart: () => undefined,
  onStreamFailure: () => undefined,
};

const staleConnectionCodes = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ConnectionClosed']);
const staleConnectionMessage = /other side closed|socket hang up|connection closed before message completed/i;

/** A reset or close before any response: what a request on a connection dropped while idle gets. */
function isStaleConnectionError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && staleConnectionCodes.has(code)) return true;
    if (staleConnectionMessage.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}

/**
 * Whether a model call asked for a stream: every AI SDK provider sends `"stream":true`, at the end of
 * its JSON body, where `lastIndexOf` finds it at once (escaped inside message text it cannot match).
 */
function asksForStream(init: RequestInit | undefined): boolean {
  return typeof init?.body === 'string' && init.body.lastIndexOf('"stream":true') !== -1;
}

const notAModelResponse = (what: string) =>
  new UpstreamStreamError(`The model server answered with ${what} instead of a model response`, 'not-a-model-response');

/**
 * The response a provider reads: the upstream's status and headers, with the guarded body. The body is
 * set on the response, not given to its constructor: in the Worker build it is a JavaScript stream
 * (src/streaming/javascript-web-streams.ts), which workerd's Response does not take. The providers
 * read a streamed answer through `body` only (its status and headers besides).
 */
function withBody(response: Response, body: ReadableStream<Uint8Array>): Response {
  const guarded = new Response(null, { status: response.status, statusText: response.statusText, headers: response.headers });
  Object.defineProperty(guarded, 'body', { value: body, enumerable: true });
  return guarded;
}

export function createUpstreamTransport(format: StreamFormat, baseFetch: typeof fetch = globalThis.fetch): UpstreamTransport {
  let answeredBefore = false;

  const send: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.delete('origin');
    const request: RequestInit = { ...init, headers, redirect: 'manual' };
    try {
      const response = await baseFetch(input, request);
      answeredBefore = true;
      return response;
    } catch (error) {
      if (!answeredBefore || request.signal?.aborted === true || !isStaleConnectionError(error)) throw error;
      return baseFetch(input, request);
    }
  };

  const observed =
    (observer: CallObserver): typeof fetch =>
    async (input, init) => {
      const response = await send(input, init);
      observer.onResponse();
      if (!response.ok || response.body === null) return response;
      const mediaType = mediaTypeOf(response.headers.get('content-type'));
      if (!asksForStream(init)) {
        if (mediaType === 'text/html') {
          await response.body.cancel();
          throw notAModelResponse('a web page');
        }
        observer.onAnswerStart();
        return response;
      }
      if (mediaType !== undefined && !format.mediaTypes.includes(mediaType)) {
        await response.body.cancel();
        throw notAModelResponse(mediaType === 'text/html' ? 'a web page' : 'another media type');
      }
      const body = format.guard(response.body, {
        onStart: () => {
          observer.onAnswerStart();
        },
        onFailure: (error) => {
          observer.onStreamFailure(error);
        },
      });
      return withBody(response, body);
    };

  const calls = new Map<string, CallObserver>();
  let lastCall = 0;
  const sharedFetch: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    const id = headers.get(callHeader);
    headers.delete(callHeader);
    const observer = (id === null ? undefined : calls.get(id)) ?? ignoringObserver;
    return observed(observer)(input, { ...init, headers });
  };

  return {
    fetch: send,
    observed,
    sharedFetch,
    async observe(observer, call) {
      lastCall += 1;
      const id = String(lastCall);
      calls.set(id, observer);
      try {
        return await call({ [callHeader]: id });
      } finally {
        // The request went out (or failed) before the AI SDK call resolves; its body's guard holds the observer itself.
        calls.delete(id);
      }
    },
  };
}
