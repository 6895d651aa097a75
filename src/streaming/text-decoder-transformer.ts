/**
 * What a TextDecoderStream does as the Encoding Standard defines it: each chunk decoded with
 * `stream: true`, and at the end whatever is left (a cut-off character becomes U+FFFD, or an error
 * with `fatal`), nothing more. Shared by the stream classes that are built on it
 * (src/entry/node-text-decoder-stream.ts, src/streaming/javascript-web-streams.ts).
 */
export function textDecoderTransformer(decoder: TextDecoder): Transformer<AllowSharedBufferSource, string> {
  return {
    transform(chunk, controller) {
      const text = decoder.decode(chunk, { stream: true });
      if (text !== '') controller.enqueue(text);
    },
    flush(controller) {
      const text = decoder.decode();
      if (text !== '') controller.enqueue(text);
    },
  };
}
