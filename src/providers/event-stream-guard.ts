import { concatBytes } from '../streaming/concat-bytes.ts';
import type { StreamFormat, StreamGuardEvents } from './stream-format.ts';
import { UpstreamStreamError } from './upstream-stream-error.ts';

/** What the first `data:` event of a stream is: the provider's answer, the provider's error, or neither. */
export type FirstEventKind = 'answer' | 'error' | 'foreign';

/** Classifies the JSON of a stream's first `data:` event for one provider kind. */
export type FirstEventCheck = (data: Record<string, unknown>) => FirstEventKind;

/** Bytes held while waiting for the first event; a body that has none by then is not a model's stream. */
const firstEventLimit = 64 * 1024;
/** How much of a chunk is decoded at a time while looking for the first event. */
const decodeSliceBytes = 4096;
/** Line ends as SSE has them; global, for `exec` from a position (its `lastIndex` is set before each use). */
const lineBreaks = /\r\n?|\n/g;

/** One line before the first event decides nothing (blank, comment, event/id/retry field), or decides it. */
function lineVerdict(line: string, check: FirstEventCheck): FirstEventKind | undefined {
  if (line === '' || line.startsWith(':')) return undefined;
  const colon = line.indexOf(':');
  const field = colon === -1 ? line : line.slice(0, colon);
  if (field === 'event' || field === 'id' || field === 'retry') return undefined;
  if (field !== 'data') return 'foreign';
  let value = colon === -1 ? '' : line.slice(colon + 1);
  if (value.startsWith(' ')) value = value.slice(1);
  if (value === '[DONE]') return 'answer';
  try {
    const data: unknown = JSON.parse(value);
    return typeof data === 'object' && data !== null && !Array.isArray(data) ? check(data as Record<string, unknown>) : 'foreign';
  } catch {
    return 'foreign';
  }
}

/**
 * Watches the start of a Server-Sent Events body (OpenAI, Anthropic and OpenAI-compatible servers) until
 * its first `data:` event. That event's JSON must be the provider's: the answer then starts
 * (`onStart`) and every byte passes on unchanged from there; an error event the provider sends
 * first passes on without starting the answer (the AI SDK reports it). A body whose first line is not
 * SSE (a web page, `Hello World!`), whose first event is not the provider's, or that ends or passes
 * 64 KiB without any event is reported as `not-a-model-response` and passes nothing on: the AI SDK
 * providers would skip such lines and report an empty, complete answer.
 * Only the bytes before the first event are decoded; after it, a chunk costs one read and one enqueue.
 */
export function guardEventStream(
  body: ReadableStream<Uint8Array>,
  events: StreamGuardEvents,
  check: FirstEventCheck,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  /** The text of the line whose end has not arrived yet. */
  let partialLine = '';
  let decided = false;

  /**
   * Reads the text that arrived, a line at a time, up to the first line that decides: its verdict, if
   * any. Only those lines are cut out: a fast server's first read can hold the whole answer.
   */
  const inspect = (text: string, final: boolean): FirstEventKind | undefined => {
    const buffer = partialLine + text;
    let start = 0;
    lineBreaks.lastIndex = 0;
    for (let found = lineBreaks.exec(buffer); found !== null; found = lineBreaks.exec(buffer)) {
      const verdict = lineVerdict(buffer.slice(start, found.index), check);
      start = lineBreaks.lastIndex;
      if (verdict !== undefined) return verdict;
    }
    partialLine = final ? '' : buffer.slice(start);
    return final ? lineVerdict(buffer.slice(start), check) : undefined;
  };

  /**
   * Reads a chunk a slice at a time up to the first line that decides, so only those bytes are decoded:
   * a 500-token answer read at once (91 KB) cost the guard ~110 µs when it was decoded and cut into
   * lines whole, against ~10 µs for its first event.
   */
  const inspectChunk = (bytes: Uint8Array): FirstEventKind | undefined => {
    for (let start = 0; start < bytes.length; start += decodeSliceBytes) {
      const verdict = inspect(decoder.decode(bytes.subarray(start, start + decodeSliceBytes), { stream: true }), false);
      if (verdict !== undefined) return verdict;
    }
    return undefined;
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const { done, value } = await reader.read();
        if (decided) {
          if (done) controller.close();
          else controller.enqueue(value);
          return;
        }
        if (!done) {
          held.push(value);
          heldBytes += value.length;
        }
        let verdict = done ? inspect(decoder.decode(), true) : inspectChunk(value);
        if (verdict === undefined) {
          if (!done && heldBytes <= firstEventLimit) continue;
          verdict = 'foreign';
        }
        if (verdict === 'foreign') {
          held = [];
          if (!done) await reader.cancel().catch(() => undefined);
          events.onFailure(
            new UpstreamStreamError('The model server sent no event of its stream format', 'not-a-model-response'),
          );
          controller.close();
          return;
        }
        decided = true;
        if (verdict === 'answer') events.onStart();
        const [first] = held;
        if (first !== undefined) controller.enqueue(held.length === 1 ? first : concatBytes(held));
        held = [];
        if (done) controller.close();
        return;
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** The SSE format of a provider kind whose first event `check` recognises. */
export function eventStreamFormat(check: FirstEventCheck): StreamFormat {
  return { mediaTypes: ['text/event-stream'], guard: (body, events) => guardEventStream(body, events, check) };
}

/** OpenAI's Chat Completions chunks (and OpenAI-compatible servers'): `choices` in every chunk, or an `error`. */
export const openAiEventStream = eventStreamFormat((data) =>
  'error' in data ? 'error' : Array.isArray(data['choices']) ? 'answer' : 'foreign',
);

/** Anthropic's Messages events: every one has a `type` (`message_start` first, or `error`). */
export const anthropicEventStream = eventStreamFormat((data) =>
  data['type'] === 'error' ? 'error' : typeof data['type'] === 'string' ? 'answer' : 'foreign',
);
