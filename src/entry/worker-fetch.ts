/**
 * fetch for providers on Workers. workerd rejects a refused or dropped connection with a plain
 * `Error: Network connection lost.` (properties `remote`, `retryable`), where Node, Bun and Deno throw
 * a `TypeError` ("fetch failed" with a cause, or a socket error code). The AI SDK and the upstream
 * error mapper know the latter, so an unreachable Ollama would be reported as a garbled answer (502)
 * instead of 503 SERVICE_UNAVAILABLE. This puts workerd's error in the common shape, keeping it as
 * the cause; failures after the response started (a body stream that breaks) are not touched.
 */
export function isWorkerdNetworkError(error: unknown): boolean {
  return error instanceof Error && error.name === 'Error' && /^Network connection lost\.?$/.test(error.message);
}

export const workerFetch: typeof fetch = async (input, init) => {
  try {
    return await fetch(input, init);
  } catch (error) {
    if (isWorkerdNetworkError(error)) throw new TypeError('fetch failed', { cause: error });
    throw error;
  }
};
