/**
 * What an HTTP client does with an AbortSignal, for a handler called in the same isolate: the
 * request's signal aborts on the server side (as `enable_request_signal` makes it on a real
 * disconnect), the pending call rejects with an AbortError, and a body being read is cancelled
 * under the server (as a closed connection would) while the reader gets the AbortError.
 * The end-to-end disconnect through the runtime itself is tested with SELF in worker-entry.test.ts.
 */
const abortError = (signal: AbortSignal): Error =>
  signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted.', 'AbortError');

export async function clientFetch(
  request: Request,
  serve: (request: Request) => Response | Promise<Response>,
): Promise<Response> {
  const { signal } = request;
  const served = Promise.resolve(serve(request));
  const response = await new Promise<Response>((resolve, reject) => {
    const onAbort = () => {
      reject(abortError(signal));
      // The client is gone: whatever the server answers later is never read.
      served
        .then(
          (late) => late.body?.cancel(),
          () => undefined,
        )
        .catch(() => undefined);
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    served.then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', onAbort);
    });
  });
  if (response.body === null) return response;

  const reader = response.body.getReader();
  let finished = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      signal.addEventListener(
        'abort',
        () => {
          if (finished) return;
          finished = true;
          controller.error(abortError(signal));
          reader.cancel(abortError(signal)).catch(() => undefined);
        },
        { once: true },
      );
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (finished) return;
      if (done) {
        finished = true;
        controller.close();
      } else {
        controller.enqueue(value as Uint8Array);
      }
    },
    cancel(reason) {
      finished = true;
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
