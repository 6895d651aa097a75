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

/** A function call the fake model answers with; `arguments` is the JSON text (streamed in `argumentPieces` pieces). */
export interface FakeToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface FakeUpstreamBehaviour {
  tokens: string[];
  /** Tool calls after the text tokens (the answer then finishes with the wire's tool-call reason). */
  toolCalls?: FakeToolCall[] | undefined;
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
  /** The streamed events of the behaviour's tool calls, after `textTokens` text tokens went out. */
  toolCallEvents(context: GenerationContext, textTokens: number): string;
  finish(context: GenerationContext): string;
  doneMarker(context: GenerationContext): string;
  errorEvent(message: string): string;
  /** A request body the real API would refuse (a malformed image part): the status and error body; null when fine. */
  validate?(body: Record<string, unknown>): { status: number; body: unknown } | null;
  /** The embeddings endpoint, where the wire has one. */
  embeddingPath?: string;
  /** The answer to an embeddings request for a known model. */
  embeddings?(body: Record<string, unknown>, model: string): { status: number; body: unknown };
}

/** A deterministic embedding of a text: `dimensions` values in [-1, 1] that differ per text. */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  let seed = 0;
  for (const character of text) seed = (seed * 31 + (character.codePointAt(0) ?? 0)) % 1_000_003;
  return Array.from({ length: dimensions }, (_, index) => Math.round(Math.sin(seed + index * 7.1) * 1e6) / 1e6);
}

/** Cuts a tool call's JSON arguments into the pieces a provider streams them in (about 3 pieces). */
export function argumentPieces(text: string): string[] {
  if (text.length < 3) return text === '' ? [] : [text];
  const size = Math.ceil(text.length / 3);
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += size) pieces.push(text.slice(start, start + size));
  return pieces;
}

export function defaultUpstreamBehaviour(): FakeUpstreamBehaviour {
  return { tokens: ['Hello', ',', ' world', '!'], tokenDelayMs: 0, firstTokenDelayMs: 0, headerDelayMs: 0, usage: true };
}
