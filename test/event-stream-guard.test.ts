import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anthropicEventStream, openAiEventStream } from '../src/providers/event-stream-guard.ts';
import { mediaTypeOf, type StreamFormat } from '../src/providers/stream-format.ts';
import { UpstreamStreamError } from '../src/providers/upstream-stream-error.ts';

const encoder = new TextEncoder();

const openAiChunk = (content: string) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content } }] })}\n\n`;
const openAiAnswer = (tokens: string[]) => `${tokens.map(openAiChunk).join('')}data: [DONE]\n\n`;

/** Cuts bytes at the given positions (also inside a UTF-8 sequence or a line break). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(bytes.slice(start, point));
    start = point;
  }
  chunks.push(bytes.slice(start));
  return chunks;
}

function streamOf(chunks: Uint8Array[], onCancel?: () => void): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[index++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(chunk);
    },
    cancel() {
      onCancel?.();
    },
  });
}

/** Runs chunks through a format's guard: the bytes passed on, how often the answer started, the failure. */
async function guard(format: StreamFormat, chunks: Uint8Array[], onCancel?: () => void) {
  let starts = 0;
  let failure: UpstreamStreamError | undefined;
  const reader = format
    .guard(streamOf(chunks, onCancel), {
      onStart: () => (starts += 1),
      onFailure: (error) => (failure = error),
    })
    .getReader();
  const parts: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  return { text: Buffer.concat(parts).toString('utf8'), starts, failure };
}

const text = (value: string) => [encoder.encode(value)];

describe('guardEventStream', () => {
  it('passes any split of an OpenAI answer through byte for byte and starts the answer once', async () => {
    const token = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 8 }), fc.constantFrom('\n', '\r\n', 'data: x', '😀', '中文'));
    await fc.assert(
      fc.asyncProperty(fc.array(token, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 30 }), async (tokens, cuts) => {
        const body = `: comment\nevent: chunk\nid: 1\nretry: 1000\n\n${openAiAnswer(tokens)}`;
        const result = await guard(openAiEventStream, split(encoder.encode(body), cuts));
        expect(result).toEqual({ text: body, starts: 1, failure: undefined });
      }),
      { numRuns: 200 },
    );
  });

  it('reads CRLF line breaks and a byte-order mark', async () => {
    const body = `\uFEFF: hi\r\n\r\n${openAiChunk('x').replaceAll('\n', '\r\n')}`;
    const result = await guard(openAiEventStream, split(encoder.encode(body), [1, 2, 3, 8, 9, 10]));
    expect(result.starts).toBe(1);
    expect(result.failure).toBeUndefined();
    expect(result.text).toBe(body);
  });

  it.each([
    ['a line that is not SSE', 'Hello World!\n\n'],
    ['a web page', '<!DOCTYPE html>\n<html></html>\n'],
    ["another server's event", 'data: {"status":"ok"}\n\n'],
    ['an event that is not JSON', 'data: Hello\n\n'],
    ['a JSON array', 'data: [1,2]\n\n'],
    ['nothing', ''],
    ['only comments', ': ping\n\n: ping\n\n'],
    ['an unfinished first line', 'Hello'],
  ])('reports %s as not-a-model-response and passes nothing on', async (_name, body) => {
    const result = await guard(openAiEventStream, text(body));
    expect(result.text).toBe('');
    expect(result.starts).toBe(0);
    expect(UpstreamStreamError.isInstance(result.failure)).toBe(true);
    expect(result.failure?.kind).toBe('not-a-model-response');
  });

  it('passes an error event sent first on without starting the answer', async () => {
    const body = 'data: {"error":{"message":"overloaded","type":"server_error"}}\n\n';
    expect(await guard(openAiEventStream, text(body))).toEqual({ text: body, starts: 0, failure: undefined });
    const anthropicError = 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"x"}}\n\n';
    expect(await guard(anthropicEventStream, text(anthropicError))).toEqual({
      text: anthropicError,
      starts: 0,
      failure: undefined,
    });
  });

  it("knows each provider's first event", async () => {
    const anthropicStart = 'event: message_start\ndata: {"type":"message_start","message":{}}\n\n';
    expect((await guard(anthropicEventStream, text(anthropicStart))).starts).toBe(1);
    expect((await guard(openAiEventStream, text(anthropicStart))).failure?.kind).toBe('not-a-model-response');
    expect((await guard(anthropicEventStream, text(openAiChunk('x')))).failure?.kind).toBe('not-a-model-response');
  });

  it('gives up after 64 KiB without an event and cancels the body', async () => {
    let cancelled = false;
    const comments = Array.from({ length: 100 }, () => encoder.encode(`: ${'x'.repeat(1000)}\n`));
    const result = await guard(openAiEventStream, comments, () => {
      cancelled = true;
    });
    expect(result.failure?.kind).toBe('not-a-model-response');
    expect(result.text).toBe('');
    expect(cancelled).toBe(true);
  });
});

describe('mediaTypeOf', () => {
  it('reads type/subtype in lower case, without parameters', () => {
    expect(mediaTypeOf('text/event-stream; charset=utf-8')).toBe('text/event-stream');
    expect(mediaTypeOf('Text/Event-Stream;Charset=UTF-8')).toBe('text/event-stream');
    expect(mediaTypeOf(' application/x-ndjson ')).toBe('application/x-ndjson');
    expect(mediaTypeOf('')).toBeUndefined();
    expect(mediaTypeOf(null)).toBeUndefined();
  });
});
