import { UpstreamStreamError } from './upstream-stream-error.ts';

/**
 * Wraps Ollama's NDJSON body so that what ollama-ai-provider-v2 would silently drop becomes an error:
 * an `{"error":…}` line sent with status 200 (the provider logs it and ends the answer as if complete),
 * and a body that ends before the `"done":true` line (a truncated answer). Bytes pass through
 * unchanged; only lines that look like an error are parsed here.
 */
export function guardOllamaStream(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let carry = '';
  let finished = false;
  let pendingError: UpstreamStreamError | undefined;

  const inspectLine = (line: string): UpstreamStreamError | undefined => {
    if (line.includes('"done":true') || line.includes('"done_reason"')) finished = true;
    if (!line.trimStart().startsWith('{"error"')) return undefined;
    let message = 'The model server reported an error';
    try {
      const parsed = JSON.parse(line) as { error?: unknown };
      if (typeof parsed.error === 'string') message = parsed.error;
    } catch {
      // keep the generic message
    }
    return new UpstreamStreamError(message, 'error-line');
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (pendingError) {
        controller.error(pendingError);
        return;
      }
      const { done, value } = await reader.read();
      if (done) {
        const error = carry.trim() === '' ? undefined : inspectLine(carry);
        if (error) controller.error(error);
        else if (!finished)
          controller.error(new UpstreamStreamError('The model server ended the answer before it was complete', 'truncated'));
        else controller.close();
        return;
      }
      const delivered = carry.length; // the carried text went downstream with the previous chunk
      const text = carry + decoder.decode(value, { stream: true });
      let start = 0;
      for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
        const error = inspectLine(text.slice(start, newline));
        if (error) {
          // Deliver the lines before the error first; the error surfaces on the next read.
          if (start > delivered) controller.enqueue(encoder.encode(text.slice(delivered, start)));
          pendingError = error;
          carry = '';
          return;
        }
        start = newline + 1;
      }
      carry = text.slice(start);
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
