import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSseParser, parseSse, readSseEvents } from '../../src/client/sse-parser.ts';

/** Feeds `text` to a fresh parser in the given pieces. */
function parseInPieces(pieces: string[]) {
  const parser = createSseParser();
  return [...pieces.flatMap((piece) => parser.push(piece)), ...parser.end()];
}

const body =
  ': keep-alive\n\n' + 'data: {"token":"Hel"}\n\n' + 'data: {"token":"lo\\n"}\r\n\r\n' + 'data:{"token":"!"}\r\rdata: [DONE]\n\n';

describe('SSE parser', () => {
  it('reads data events, comments and raw data in order, whatever the line endings', () => {
    expect(parseSse(body)).toEqual([
      { comment: 'keep-alive' },
      { data: { token: 'Hel' } },
      { data: { token: 'lo\n' } },
      { data: { token: '!' } },
      { raw: '[DONE]' },
    ]);
  });

  it('joins the data lines of one event with a newline and ignores event, id and retry fields', () => {
    expect(parseSse('event: message\nid: 7\nretry: 100\ndata: first\ndata:second\n\n')).toEqual([{ raw: 'first\nsecond' }]);
    expect(parseSse('data: {"a":\ndata: 1}\n\n')).toEqual([{ data: { a: 1 } }]);
  });

  it('does not dispatch an event the stream ended before its blank line', () => {
    expect(parseSse('data: {"token":"a"}\n\ndata: {"token":"cut"}\n')).toEqual([{ data: { token: 'a' } }]);
  });

  it('yields an event only once its blank line has arrived', () => {
    const parser = createSseParser();
    expect(parser.push('data: {"token":"a"}\n')).toEqual([]);
    expect(parser.push('\r')).toEqual([]);
    expect(parser.push('\ndata: {"token":"b"}\n\n')).toEqual([{ data: { token: 'a' } }, { data: { token: 'b' } }]);
  });

  it('gives the same events however the body is split into pieces', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: body.length }), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const pieces = [0, ...points].map((start, index) => body.slice(start, points[index] ?? body.length));
        expect(parseInPieces(pieces)).toEqual(parseSse(body));
      }),
    );
  });

  it('reads a byte stream split inside a multi-byte character', async () => {
    const bytes = new TextEncoder().encode('data: {"token":"héllo 👋"}\n\n');
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
        controller.close();
      },
    });
    const events = [];
    for await (const event of readSseEvents(stream)) events.push(event);
    expect(events).toEqual([{ data: { token: 'héllo 👋' } }]);
  });
});
