/**
 * The one Server-Sent Events parser, for every client of this API: the command-line client, browser
 * code and the tests (test/helpers/sse.ts re-exports it). Web APIs only.
 *
 * It follows the event-stream grammar of the HTML standard as far as this API uses it: lines end in
 * `\n`, `\r\n` or `\r`; `data:` lines (one optional space after the colon) are joined with `\n` and
 * dispatched at the blank line that ends the event; a line starting with `:` is a comment
 * (`: keep-alive`); `event:`, `id:` and `retry:` are read and ignored (this API sends none). An event
 * that the stream ends before its blank line is not dispatched, so a cut stream never yields half an
 * event.
 */

export interface SseEvent {
  /** The JSON of a `data:` event, when it is a JSON object. */
  data?: Record<string, unknown>;
  /** Text of a `:` comment line, trimmed. */
  comment?: string;
  /** The text of a `data:` event that is not a JSON object (OpenAI's `[DONE]`). */
  raw?: string;
}

export interface SseParser {
  /** Takes the next piece of the body (any split, even inside a line); returns the events it completed. */
  push(text: string): SseEvent[];
  /** The body ended: returns what the last piece completed (an unterminated event is dropped). */
  end(): SseEvent[];
}

function toEvent(text: string): SseEvent {
  if (text.startsWith('{')) {
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { data: value as Record<string, unknown> };
    } catch {
      // not JSON: passed on as raw text
    }
  }
  return { raw: text };
}

export function createSseParser(): SseParser {
  let buffer = '';
  let dataLines: string[] = [];

  const takeLine = (line: string, events: SseEvent[]) => {
    if (line === '') {
      if (dataLines.length > 0) events.push(toEvent(dataLines.join('\n')));
      dataLines = [];
      return;
    }
    if (line.startsWith(':')) {
      events.push({ comment: line.slice(1).trim() });
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    if (field !== 'data') return;
    const value = colon === -1 ? '' : line.slice(colon + 1);
    dataLines.push(value.startsWith(' ') ? value.slice(1) : value);
  };

  /** Splits off every whole line; a trailing `\r` waits for the next piece (it may be half of `\r\n`). */
  const drain = (final: boolean): SseEvent[] => {
    const events: SseEvent[] = [];
    let start = 0;
    for (let index = 0; index < buffer.length; index += 1) {
      const character = buffer.charCodeAt(index);
      if (character !== 10 && character !== 13) continue;
      if (character === 13 && index === buffer.length - 1 && !final) break;
      takeLine(buffer.slice(start, index), events);
      if (character === 13 && buffer.charCodeAt(index + 1) === 10) index += 1;
      start = index + 1;
    }
    buffer = buffer.slice(start);
    return events;
  };

  return {
    push(text) {
      buffer += text;
      return drain(false);
    },
    end() {
      const events = drain(true);
      buffer = '';
      dataLines = [];
      return events;
    },
  };
}

/** Parses a whole SSE body into its events and comments, in order. */
export function parseSse(text: string): SseEvent[] {
  const parser = createSseParser();
  return [...parser.push(text), ...parser.end()];
}

/** Reads an SSE body as it arrives, yielding each event when its blank line has arrived. */
export async function* readSseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const parser = createSseParser();
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        yield* parser.push(decoder.decode());
        yield* parser.end();
        return;
      }
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
