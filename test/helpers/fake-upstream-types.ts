/**
 * Types shared by the fake cloud upstreams: the faults and behaviour a test scripts per request, and
 * the wire format each fake speaks (fake-openai.ts, fake-anthropic.ts).
 */
import type { IncomingMessage } from 'node:http';

export type FakeUpstreamFault =
  | { kind: 'refuse' } // destroy the socket without any response
  | { kind: 'stall-before-headers' } // never send headers
  | { kind: 'stall-after-headers' } // 200 + headers, then nothing
  | { kind: 'stall-after-tokens'; after: number } // `after` tokens, then nothing (socket open)
  | { kind: 'reset-after-tokens'; after: number } // `after` tokens, then the socket is destroyed
  | { kind: 'eof-before-done'; after: number } // `after` tokens, then a clean end without the finish
  | { kind: 'error-after-tokens'; after: number; message: string } // `after` tokens, the wire's error event, end
  | { kind: 'no-done-marker' } // everything incl. the finish reason, but not the last marker ([DONE] / message_stop)
  | { kind: 'http-error'; status: number; body?: string; contentType?: string; headers?: Record<string, string> }
  // 200 with this content type and body: another server, or a proxy's own page, at the provider's address
  | { kind: 'foreign-body'; contentType: string; body: string };

export interface FakeUpstreamBehaviour {
  tokens: string[];
  tokenDelayMs: number;
  firstTokenDelayMs: number;
  headerDelayMs: number;
  /** Send usage (OpenAI: only when the request asks with stream_options.include_usage). */
  usage: boolean;
  /** Write the streamed body in pieces cut at these byte offsets (framing tests); undefined: one write per event. */
  splitAt?: number[] | undefined;
  /** The Content-Type of a streamed answer instead of the provider's own; '' sends none. */
  streamContentType?: string | undefined;
  fault?: FakeUpstreamFault | undefined;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  receivedAt: number;
}

export interface GenerationContext {
  model: string;
  body: Record<string, unknown>;
  behaviour: FakeUpstreamBehaviour;
  inputTokens: number;
}

/** What differs between OpenAI's and Anthropic's APIs. */
export interface WireFormat {
  generationPath: string;
  /** null when the request carries the right credential; otherwise the status and error body to answer. */
  checkAuth(req: IncomingMessage): { status: number; body: unknown } | null;
  errorBody(status: number, message?: string): unknown;
  modelNotFound(model: string): { status: number; body: unknown };
  modelsList(models: string[]): unknown;
  streams(body: Record<string, unknown>): boolean;
  json(context: GenerationContext, text: string): unknown;
  prelude(context: GenerationContext): string;
  token(context: GenerationContext, text: string, index: number): string;
  finish(context: GenerationContext): string;
  doneMarker(context: GenerationContext): string;
  errorEvent(message: string): string;
}

export function defaultUpstreamBehaviour(): FakeUpstreamBehaviour {
  return { tokens: ['Hello', ',', ' world', '!'], tokenDelayMs: 0, firstTokenDelayMs: 0, headerDelayMs: 0, usage: true };
}
