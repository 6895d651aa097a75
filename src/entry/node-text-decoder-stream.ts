/**
 * A TextDecoderStream as the Encoding Standard defines it, for Node, where the built-in one costs
 * ~20 µs at the end of every stream. Node 22–24's (lib/internal/webstreams/encoding.js) calls
 * `controller.terminate()` in its flush, and `terminate` builds an ERR_INVALID_STATE TypeError, stack
 * trace and all, to error a writable side that is closing anyway. `@ai-sdk/provider-utils` pipes every
 * OpenAI, Anthropic and OpenAI-compatible answer through one (`parseJsonEventStream`), so that error
 * was ~2 % of a short SSE call's CPU. The standard's flush decodes what is left and nothing more;
 * the stream then closes as usual.
 *
 * Decoding is the built-in TextDecoder's, so labels, `fatal`, `ignoreBOM` and split multi-byte
 * characters behave as in the built-in stream (test/unit/node-text-decoder-stream.test.ts compares
 * the two). Installed by the Node entry only: Bun and Deno have their own, and the Worker build gives
 * the providers the one of src/streaming/javascript-web-streams.ts.
 */
import { textDecoderTransformer } from '../streaming/text-decoder-transformer.ts';

export class StandardTextDecoderStream extends TransformStream<AllowSharedBufferSource, string> {
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

/** Makes `new TextDecoderStream()` anywhere in this process the standard one above. */
export function installStandardTextDecoderStream(): void {
  globalThis.TextDecoderStream = StandardTextDecoderStream;
}
