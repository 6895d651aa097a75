/**
 * Web streams implemented in JavaScript (web-streams-polyfill, the streams standard's reference
 * implementation packaged by one of its editors), for the AI SDK providers in the Worker build.
 *
 * workerd implements ReadableStream, WritableStream and TransformStream in C++: every chunk that
 * crosses one costs a round trip between JavaScript and the runtime. Measured on workerd (wrangler
 * dev, CPU from /proc, 2,000 small chunks per request): reading a queued chunk ~3.5 µs, one
 * TransformStream ~19 µs per chunk, three in a row ~55 µs; the same in these classes ~1, ~3 and
 * ~5 µs. A provider's doStream sends every token through two to five such stages (Ollama: its NDJSON
 * stream and its TransformStream; OpenAI: TextDecoderStream, the SSE parser, the JSON parse, a tee
 * and the provider's TransformStream), so on workerd the stages cost more than everything else a
 * streamed token costs. On Node the built-in streams are themselves JavaScript and faster than
 * these (0.66 against 1.15 µs per TransformStream chunk), so only the Worker uses them.
 *
 * scripts/worker-streams-plugin.mjs makes the provider packages, and the guards that give them their
 * response bodies, use these classes instead of the global ones. Everything else in the Worker (the
 * bodies of requests and responses, fetch) keeps workerd's own streams: a Response only takes those.
 */
import { ReadableStream, TransformStream, WritableStream } from 'web-streams-polyfill';
import { textDecoderTransformer } from './text-decoder-transformer.ts';

/** The Encoding Standard's TextDecoderStream on these streams (decoding is the runtime's TextDecoder). */
class TextDecoderStream extends TransformStream<AllowSharedBufferSource, string> {
  readonly encoding: string;
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;

  constructor(label?: string, options?: TextDecoderOptions) {
    const decoder = new TextDecoder(label, options);
    super(textDecoderTransformer(decoder));
    this.encoding = decoder.encoding;
    this.fatal = decoder.fatal;
    this.ignoreBOM = decoder.ignoreBOM;
  }
}

export { ReadableStream, TextDecoderStream, TransformStream, WritableStream };
