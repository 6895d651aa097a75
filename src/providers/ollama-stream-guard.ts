import { concatBytes } from '../streaming/concat-bytes.ts';
import type { StreamFormat, StreamGuardEvents } from './stream-format.ts';
import { UpstreamStreamError } from './upstream-stream-error.ts';

const newline = 0x0a;
const empty = new Uint8Array(0);
const decoder = new TextDecoder();
const encoder = new TextEncoder();
/** Longest first line waited for: a body without a newline by then is not Ollama's. */
const firstLineLimit = 1024 * 1024;

/** What the first line of a body is: one of Ollama's chunks, its `{"error":…}` line, or something else. */
function firstLineKind(line: string): 'answer' | 'error' | 'foreign' {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null) return 'foreign';
    if ('error' in value) return 'error';
    return typeof (value as { done?: unknown }).done === 'boolean' ? 'answer' : 'foreign';
  } catch {
    return 'foreign';
  }
}

/** The kind of the first non-blank whole line of `bytes`, or undefined when it has none yet. */
function firstWholeLineKind(bytes: Uint8Array): ReturnType<typeof firstLineKind> | undefined {
  let start = 0;
  for (let lineEnd = bytes.indexOf(newline); lineEnd !== -1; lineEnd = bytes.indexOf(newline, start)) {
    const line = decoder.decode(bytes.subarray(start, lineEnd)).trim();
    if (line !== '') return firstLineKind(line);
    start = lineEnd + 1;
  }
  return undefined;
}

/**
 * Wraps Ollama's NDJSON body so that what ollama-ai-provider-v2 would silently take for a complete
 * answer is reported as a failure: a first line that is not one of Ollama's chunks (another server's
 * NDJSON or JSON; the provider skips lines it cannot parse, so the answer would be empty), an
 * `{"error":…}` line sent with status 200, and a body that ends before the `"done":true` line (a
 * truncated answer). The answer starts (`onStart`) with the first chunk, not with an error line.
 *
 * The failure goes to `onFailure` and the byte stream then simply ends. Erroring the stream instead
 * would make the AI SDK drop the text it still holds downstream, losing the partial answer.
 * Whole lines pass through unchanged (a newline byte never occurs inside a UTF-8 character); the
 * error line itself is never passed on. A final line with `done_reason` but `"done":false` (seen from
 * some Ollama versions and proxies) is passed on as `"done":true` so its finish reason and usage count.
 * Only the first line is parsed; later lines are searched for their keys, not parsed.
 */
export function guardOllamaStream(body: ReadableStream<Uint8Array>, events: StreamGuardEvents): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  /** The bytes of a line whose newline has not arrived yet. */
  let carry: Uint8Array = empty;
  let finished = false;
  let awaitingFirstLine = true;
  const notOllama = () => new UpstreamStreamError("The model server's stream is not Ollama's NDJSON", 'not-a-model-response');

  /** Returns the bytes to pass on for one line (without its newline), or an error. */
  const inspectLine = (bytes: Uint8Array): Uint8Array | UpstreamStreamError => {
    const line = decoder.decode(bytes);
    if (line.includes('"done":true')) {
      finished = true;
    } else if (line.includes('"done_reason"') && line.includes('"done":false')) {
      finished = true;
      return encoder.encode(line.replace('"done":false', '"done":true'));
    }
    if (!line.trimStart().startsWith('{"error"')) return bytes;
    let message = 'The model server reported an error';
    try {
      const parsed = JSON.parse(line) as { error?: unknown };
      if (typeof parsed.error === 'string') message = parsed.error;
    } catch {
      // keep the generic message
    }
    return new UpstreamStreamError(message, 'error-line');
  };

  /**
   * True when these whole lines need nothing from the line-by-line path (no `"error"` anywhere, no
   * done_reason line to rewrite), so they can pass on with one decode instead of one per line (the
   * guard was ~4 % of the gateway's CPU per call in a --cpu-prof); notes the done line if it is there.
   * Content is JSON-escaped, so these keys never match inside a token's text.
   */
  const plainLines = (text: string): boolean => {
    if (text.includes('"error"')) return false;
    const reasonAt = text.indexOf('"done_reason"');
    if (reasonAt !== -1) {
      if (text.includes('"done_reason"', reasonAt + 1)) return false;
      const lineEnd = text.indexOf('\n', reasonAt);
      const line = text.slice(text.lastIndexOf('\n', reasonAt) + 1, lineEnd === -1 ? undefined : lineEnd);
      if (line.includes('"done":false')) return false;
    }
    if (text.includes('"done":true')) finished = true;
    return true;
  };

  const end = (controller: ReadableStreamDefaultController<Uint8Array>, failure?: UpstreamStreamError) => {
    if (failure) events.onFailure(failure);
    controller.close();
  };

  /** Notes the kind of the first line; true when the body is not Ollama's (nothing may pass on). */
  const foreignFirstLine = (kind: ReturnType<typeof firstLineKind>): boolean => {
    awaitingFirstLine = false;
    if (kind === 'answer') events.onStart();
    return kind === 'foreign';
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // Reads until at least one whole line can go out: returning without enqueueing would stall the stream.
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          const last = carry;
          carry = empty;
          if (awaitingFirstLine) {
            const line = decoder.decode(last).trim();
            if (line !== '' && foreignFirstLine(firstLineKind(line))) {
              end(controller, notOllama());
              return;
            }
          }
          const result = last.length === 0 ? empty : inspectLine(last);
          if (result instanceof UpstreamStreamError) {
            end(controller, result);
            return;
          }
          if (result.length > 0) controller.enqueue(result);
          end(
            controller,
            finished
              ? undefined
              : new UpstreamStreamError('The model server ended the answer before it was complete', 'truncated'),
          );
          return;
        }
        let bytes = value;
        if (carry.length > 0) {
          bytes = new Uint8Array(carry.length + value.length);
          bytes.set(carry);
          bytes.set(value, carry.length);
        }
        if (awaitingFirstLine) {
          const kind = firstWholeLineKind(bytes);
          if (kind === undefined) {
            carry = bytes;
            if (bytes.length <= firstLineLimit) continue;
            await reader.cancel().catch(() => undefined);
            end(controller, notOllama());
            return;
          }
          if (foreignFirstLine(kind)) {
            carry = empty;
            await reader.cancel().catch(() => undefined);
            end(controller, notOllama());
            return;
          }
        }
        const wholeLinesEnd = bytes.lastIndexOf(newline) + 1;
        if (wholeLinesEnd > 0 && plainLines(decoder.decode(bytes.subarray(0, wholeLinesEnd)))) {
          carry = bytes.slice(wholeLinesEnd);
          controller.enqueue(wholeLinesEnd === bytes.length ? bytes : bytes.slice(0, wholeLinesEnd));
          return;
        }
        let start = 0;
        let rewritten: Uint8Array[] | undefined;
        for (let lineEnd = bytes.indexOf(newline); lineEnd !== -1; lineEnd = bytes.indexOf(newline, start)) {
          const line = bytes.subarray(start, lineEnd);
          const result = inspectLine(line);
          if (result instanceof UpstreamStreamError) {
            carry = empty;
            if (start > 0) controller.enqueue(bytes.slice(0, start));
            await reader.cancel().catch(() => undefined);
            end(controller, result);
            return;
          }
          if (result !== line) {
            rewritten = [bytes.slice(0, start), result, encoder.encode('\n')];
            start = lineEnd + 1;
            // Everything after a rewritten (final) line is passed on as read.
            carry = empty;
            controller.enqueue(concatBytes([...rewritten, bytes.slice(start)]));
            return;
          }
          start = lineEnd + 1;
        }
        carry = bytes.slice(start);
        if (start > 0) {
          controller.enqueue(start === bytes.length ? bytes : bytes.slice(0, start));
          return;
        }
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** Ollama streams NDJSON (`application/x-ndjson`), through the guard above. */
export const ollamaNdjsonStream: StreamFormat = {
  mediaTypes: ['application/x-ndjson', 'application/ndjson'],
  guard: guardOllamaStream,
};
