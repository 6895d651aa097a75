import type { CallObserver } from './model-provider.ts';
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
 * - `observed(observer)` reports when response headers arrive, and turns a web page (a tunnel's
 *   interstitial or login page) into an error instead of passing it on as a model's answer.
 */
export interface UpstreamTransport {
  /** Plain requests (model lists, health). */
  readonly fetch: typeof fetch;
  /** Model calls: reports to the call's observer. */
  observed(observer: CallObserver): typeof fetch;
}

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

export function createUpstreamTransport(baseFetch: typeof fetch = globalThis.fetch): UpstreamTransport {
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

  return {
    fetch: send,
    observed: (observer) => async (input, init) => {
      const response = await send(input, init);
      observer.onResponse();
      if (!response.ok || response.body === null) return response;
      if ((response.headers.get('content-type') ?? '').includes('text/html')) {
        await response.body.cancel();
        throw new UpstreamStreamError(
          'The model server answered with an HTML page instead of a model response',
          'not-a-model-response',
        );
      }
      observer.onResponseHeaders();
      return response;
    },
  };
}
