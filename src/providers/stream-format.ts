import type { UpstreamStreamError } from './upstream-stream-error.ts';

/** What a body guard reports while a model's stream passes through it. */
export interface StreamGuardEvents {
  /** The first model data arrived: the answer has started (not called for an error the model server sends first). */
  onStart(): void;
  /** The body is not, or stopped being, a model's answer. The guarded byte stream then simply ends. */
  onFailure(error: UpstreamStreamError): void;
}

/**
 * How a provider kind streams an answer: the media types its streaming responses carry and the guard
 * its body goes through. A 200 whose body is something else (a web page, a proxy's default
 * `application/octet-stream`, another server's JSON) must not become an empty answer: the AI SDK
 * providers skip what they cannot parse.
 */
export interface StreamFormat {
  /** `type/subtype` in lower case, without parameters. */
  readonly mediaTypes: readonly string[];
  guard(body: ReadableStream<Uint8Array>, events: StreamGuardEvents): ReadableStream<Uint8Array>;
}

/**
 * The media type of a Content-Type value: `type/subtype` in lower case, without parameters
 * (`Text/Event-Stream; charset=UTF-8` → `text/event-stream`); undefined when there is none.
 */
export function mediaTypeOf(contentType: string | null): string | undefined {
  if (contentType === null) return undefined;
  const end = contentType.indexOf(';');
  const mediaType = (end === -1 ? contentType : contentType.slice(0, end)).trim().toLowerCase();
  return mediaType === '' ? undefined : mediaType;
}
