/**
 * The Node entry's standard TextDecoderStream, and the one of the JavaScript web streams the Worker's
 * providers use, against Node's built-in one: the same text, the same errors, for the inputs the
 * providers' event streams can bring (split characters, BOMs, bad bytes).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { installStandardTextDecoderStream, StandardTextDecoderStream } from '../../src/entry/node-text-decoder-stream.ts';
import * as javaScriptStreams from '../../src/streaming/javascript-web-streams.ts';

const builtIn = globalThis.TextDecoderStream;
afterEach(() => {
  globalThis.TextDecoderStream = builtIn;
});

type Decoder = new (label?: string, options?: TextDecoderOptions) => ReadableWritablePair<string, BufferSource>;

/**
 * Decodes `chunks` through a stream of `Decoder`: the pieces it read, or the error it failed with. The
 * source is of the decoder's own implementation (a stream only pipes into one of its own).
 */
async function decode(
  Decoder: Decoder,
  chunks: Uint8Array<ArrayBuffer>[],
  label?: string,
  options?: TextDecoderOptions,
): Promise<{ pieces: string[] } | { error: string }> {
  const queue = [...chunks];
  const underlyingSource: UnderlyingDefaultSource<BufferSource> = {
    pull(controller) {
      const chunk = queue.shift();
      if (chunk === undefined) controller.close();
      else controller.enqueue(chunk);
    },
  };
  const source =
    (Decoder as unknown) === javaScriptStreams.TextDecoderStream
      ? (new javaScriptStreams.ReadableStream<BufferSource>(underlyingSource) as unknown as ReadableStream<BufferSource>)
      : new ReadableStream<BufferSource>(underlyingSource);
  const reader = source.pipeThrough(new Decoder(label, options)).getReader();
  const pieces: string[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { pieces };
      pieces.push(value);
    }
  } catch (error) {
    return { error: (error as Error).name };
  }
}

const bytes = (...values: number[]) => new Uint8Array(values);
const oneByteAtATime = (text: string) => [...new TextEncoder().encode(text)].map((value) => bytes(value));

const cases: { name: string; chunks: Uint8Array<ArrayBuffer>[]; label?: string; options?: TextDecoderOptions }[] = [
  { name: 'an SSE event in one chunk', chunks: [new TextEncoder().encode('data: {"choices":[]}\n\n')] },
  { name: 'multi-byte characters split byte by byte', chunks: oneByteAtATime('é € 😀 ok') },
  {
    name: 'empty chunks between pieces',
    chunks: [bytes(), new TextEncoder().encode('a'), bytes(), bytes(0xe2, 0x82), bytes(0xac)],
  },
  { name: 'a BOM, removed', chunks: [bytes(0xef, 0xbb), bytes(0xbf, 0x61)] },
  { name: 'a BOM kept with ignoreBOM', chunks: [bytes(0xef, 0xbb, 0xbf, 0x61)], options: { ignoreBOM: true } },
  { name: 'an invalid byte, replaced', chunks: [bytes(0x61, 0xff, 0x62)] },
  { name: 'a character cut off at the end, replaced at flush', chunks: [bytes(0x61, 0xe2, 0x82)] },
  { name: 'an invalid byte with fatal', chunks: [bytes(0x61, 0xff)], options: { fatal: true } },
  { name: 'a character cut off at the end with fatal', chunks: [bytes(0x61, 0xe2)], options: { fatal: true } },
  { name: 'UTF-16LE', chunks: [bytes(0x68, 0x00, 0x69), bytes(0x00)], label: 'utf-16le' },
];

describe('StandardTextDecoderStream', () => {
  for (const { name, chunks, label, options } of cases) {
    it(`decodes ${name} as Node's TextDecoderStream does`, async () => {
      const expected = await decode(builtIn, chunks, label, options);
      const actual = await decode(StandardTextDecoderStream, chunks, label, options);
      expect(actual).toEqual(expected);
      expect('pieces' in actual ? actual.pieces.join('') : actual.error).not.toBe('');
    });
  }

  it('fails a chunk that is not bytes as the built-in one does', async () => {
    const notBytes = ['text' as unknown as Uint8Array<ArrayBuffer>];
    expect(await decode(StandardTextDecoderStream, notBytes)).toEqual(await decode(builtIn, notBytes));
    expect(await decode(StandardTextDecoderStream, notBytes)).toEqual({ error: 'TypeError' });
  });

  it('names its encoding and options, and rejects an unknown label', () => {
    const stream = new StandardTextDecoderStream('UTF-16LE', { fatal: true, ignoreBOM: true });
    expect([stream.encoding, stream.fatal, stream.ignoreBOM]).toEqual(['utf-16le', true, true]);
    expect(() => new StandardTextDecoderStream('no-such-encoding')).toThrow(RangeError);
  });

  it('replaces the global TextDecoderStream once installed', async () => {
    installStandardTextDecoderStream();
    expect(new TextDecoderStream()).toBeInstanceOf(StandardTextDecoderStream);
    expect(await decode(globalThis.TextDecoderStream, oneByteAtATime('naïve'))).toEqual({
      pieces: ['n', 'a', 'ï', 'v', 'e'],
    });
  });
});

describe("the JavaScript web streams' TextDecoderStream (the Worker's providers)", () => {
  const JavaScriptTextDecoderStream = javaScriptStreams.TextDecoderStream as unknown as Decoder;
  for (const { name, chunks, label, options } of cases) {
    it(`decodes ${name} as Node's TextDecoderStream does`, async () => {
      expect(await decode(JavaScriptTextDecoderStream, chunks, label, options)).toEqual(
        await decode(builtIn, chunks, label, options),
      );
    });
  }

  it('fails a chunk that is not bytes, names its encoding and options, and rejects an unknown label', async () => {
    expect(await decode(JavaScriptTextDecoderStream, ['text' as unknown as Uint8Array<ArrayBuffer>])).toEqual({
      error: 'TypeError',
    });
    const stream = new javaScriptStreams.TextDecoderStream('UTF-16LE', { fatal: true, ignoreBOM: true });
    expect([stream.encoding, stream.fatal, stream.ignoreBOM]).toEqual(['utf-16le', true, true]);
    expect(() => new javaScriptStreams.TextDecoderStream('no-such-encoding')).toThrow(RangeError);
  });
});
