/**
 * Pure builders for Ollama's wire format (NDJSON chunks, final "done" objects,
 * /api/tags entries, Go-style JSON decode errors). No I/O here.
 *
 * Key order of every object matches what the real Ollama server emits.
 */
import { createHash } from 'node:crypto';
import { fakeEmbedding } from './fake-upstream-types.ts';

export type GenerationKind = 'chat' | 'generate';

export interface DoneStats {
  promptEvalCount: number;
  evalCount: number;
}

/** Fixed, plausible durations in nanoseconds (deterministic for tests). */
export const DURATIONS = {
  total_duration: 123456789,
  load_duration: 1234567,
  prompt_eval_duration: 1234567,
  eval_duration: 1234567,
} as const;

export const FAKE_CONTEXT: readonly number[] = [1, 2, 3];

/** ISO time with nanosecond-like digits, e.g. 2026-11-23T10:00:00.123000000Z. */
export function createdAt(): string {
  return new Date().toISOString().replace('Z', '000000Z');
}

/**
 * One streamed token chunk, newline-terminated. `modelJson` is the already
 * JSON-encoded model name (encode once per request, not per token).
 */
export function tokenLine(kind: GenerationKind, modelJson: string, token: string): string {
  const head = `{"model":${modelJson},"created_at":"${createdAt()}",`;
  return kind === 'chat'
    ? `${head}"message":{"role":"assistant","content":${JSON.stringify(token)}},"done":false}\n`
    : `${head}"response":${JSON.stringify(token)},"done":false}\n`;
}

/** A function call as Ollama's /api/chat answers it (docs/api.md, "Chat request (with tools)"). */
export interface OllamaToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

const toolCallsJson = (calls: readonly OllamaToolCall[]) =>
  calls.map((call) => ({ function: { name: call.name, arguments: call.arguments } }));

/**
 * The streamed chunk that carries tool calls: Ollama sends each call whole, in a chunk with empty
 * content (ollama.com/blog/streaming-tool), before the final done chunk.
 */
export function toolCallLine(modelJson: string, calls: readonly OllamaToolCall[]): string {
  const message = { role: 'assistant', content: '', tool_calls: toolCallsJson(calls) };
  return `{"model":${modelJson},"created_at":"${createdAt()}","message":${JSON.stringify(message)},"done":false}\n`;
}

/** `{"error":"…"}\n` — how Ollama reports an error in the middle of a stream. */
export function errorLine(message: string): string {
  return `{"error":${JSON.stringify(message)}}\n`;
}

/**
 * The final object: last NDJSON chunk (content "") or the whole non-streaming
 * response (full content). `done` may be forced false for fault injection.
 */
export function doneObject(
  kind: GenerationKind,
  model: string,
  content: string,
  stats: DoneStats,
  done = true,
  toolCalls: readonly OllamaToolCall[] = [],
): Record<string, unknown> {
  const counts = {
    total_duration: DURATIONS.total_duration,
    load_duration: DURATIONS.load_duration,
    prompt_eval_count: stats.promptEvalCount,
    prompt_eval_duration: DURATIONS.prompt_eval_duration,
    eval_count: stats.evalCount,
    eval_duration: DURATIONS.eval_duration,
  };
  if (kind === 'chat') {
    return {
      model,
      created_at: createdAt(),
      message:
        toolCalls.length === 0
          ? { role: 'assistant', content }
          : { role: 'assistant', content, tool_calls: toolCallsJson(toolCalls) },
      done_reason: 'stop',
      done,
      ...counts,
    };
  }
  return {
    model,
    created_at: createdAt(),
    response: content,
    done,
    done_reason: 'stop',
    context: [...FAKE_CONTEXT],
    ...counts,
  };
}

/** A non-final object without any done fields (used for "EOF before done"). */
export function partialObject(kind: GenerationKind, model: string, content: string): Record<string, unknown> {
  return kind === 'chat'
    ? { model, created_at: createdAt(), message: { role: 'assistant', content }, done: false }
    : { model, created_at: createdAt(), response: content, done: false };
}

/** What Ollama answers when asked to generate with no messages / empty prompt: it just loads the model. */
export function loadObject(kind: GenerationKind, model: string): Record<string, unknown> {
  return kind === 'chat'
    ? { model, created_at: createdAt(), message: { role: 'assistant', content: '' }, done_reason: 'load', done: true }
    : { model, created_at: createdAt(), response: '', done: true, done_reason: 'load' };
}

interface KnownModel {
  size: number;
  digest: string;
  parameterSize: string;
  quantization: string;
}

const KNOWN_MODELS: Readonly<Record<string, KnownModel>> = {
  'llama3.2:latest': {
    size: 2019393189,
    digest: 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72',
    parameterSize: '3.2B',
    quantization: 'Q4_K_M',
  },
  'llama3.2:1b': {
    size: 1321098329,
    digest: 'baf6a787fdffd633537aa2eb51cfd54cb93ff08e28040095462bb63daf552878',
    parameterSize: '1.2B',
    quantization: 'Q8_0',
  },
};

/** `llama3.2` → `llama3.2:latest`; names that already carry a tag are unchanged. */
export function withLatest(name: string): string {
  const lastSegment = name.slice(name.lastIndexOf('/') + 1);
  return lastSegment.includes(':') ? name : `${name}:latest`;
}

/** One entry of GET /api/tags `models`. */
export function tagEntry(name: string): Record<string, unknown> {
  const full = withLatest(name);
  const known = KNOWN_MODELS[full];
  const base = full.slice(full.lastIndexOf('/') + 1).split(':')[0] ?? full;
  const family = /^[A-Za-z]+/.exec(base)?.[0] ?? base; // llama3.2 → llama
  return {
    name: full,
    model: full,
    modified_at: '2026-10-01T12:00:00.000000000Z',
    size: known?.size ?? 4_000_000_000,
    digest: known?.digest ?? createHash('sha256').update(full).digest('hex'),
    details: {
      parent_model: '',
      format: 'gguf',
      family,
      families: [family],
      parameter_size: known?.parameterSize ?? '7B',
      quantization_level: known?.quantization ?? 'Q4_K_M',
    },
  };
}

/** Default prompt_eval_count: ceil(total characters of string contents / 4), at least 1. */
export function estimatePromptTokens(kind: GenerationKind, body: Record<string, unknown>): number {
  let chars = 0;
  if (kind === 'chat') {
    const messages = body['messages'];
    if (Array.isArray(messages)) {
      for (const m of messages as unknown[]) {
        if (typeof m === 'object' && m !== null) {
          const c = (m as Record<string, unknown>)['content'];
          if (typeof c === 'string') chars += c.length;
        }
      }
    }
  } else {
    for (const key of ['system', 'prompt']) {
      const v = body[key];
      if (typeof v === 'string') chars += v.length;
    }
  }
  return Math.max(1, Math.ceil(chars / 4));
}

export type ParsedBody = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

/** Decode a request body the way Ollama (Go encoding/json via gin) would, with Go-style error text. */
export function parseRequestBody(raw: string, goType: string): ParsedBody {
  const trimmed = raw.replace(/^[ \t\r\n]+/, '');
  if (trimmed === '') return { ok: false, error: 'missing request body' };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    const msg = err instanceof Error ? err.message : '';
    if (/end of JSON input|Unterminated/i.test(msg)) return { ok: false, error: 'unexpected EOF' };
    const pos = /position (\d+)/.exec(msg);
    const tok = /Unexpected token '?(.)/.exec(msg);
    const ch = tok?.[1] ?? (pos ? raw.charAt(Number(pos[1])) : trimmed.charAt(0));
    return { ok: false, error: `invalid character '${ch}' looking for beginning of value` };
  }
  if (value === null) return { ok: true, value: {} };
  if (typeof value !== 'object' || Array.isArray(value)) {
    const kind = Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value;
    return { ok: false, error: `json: cannot unmarshal ${kind} into Go value of type ${goType}` };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/** The size of the fake's /api/embed vectors when the request names no `dimensions`. */
export const FAKE_OLLAMA_EMBEDDING_DIMENSIONS = 8;

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

/** Ollama decodes `images` as base64 (Go's []byte): anything else is refused with 400. */
export function invalidImages(body: Record<string, unknown>): string | undefined {
  const messages = Array.isArray(body['messages']) ? (body['messages'] as Record<string, unknown>[]) : [];
  for (const message of messages) {
    const images = message['images'];
    if (images === undefined || images === null) continue;
    if (!Array.isArray(images))
      return 'json: cannot unmarshal string into Go struct field Message.messages.images of type []api.ImageData';
    for (const image of images) {
      if (typeof image !== 'string' || !base64Pattern.test(image) || image.length % 4 !== 0)
        return 'illegal base64 data at input byte 0';
    }
  }
  return undefined;
}

/**
 * The answer to POST /api/embed (docs/api.md, "Generate Embeddings"): `input` a string or an array of
 * strings, `embeddings` one vector per input, the durations and prompt_eval_count.
 */
export function embedObject(model: string, body: Record<string, unknown>): Record<string, unknown> {
  const input = body['input'];
  const texts = typeof input === 'string' ? [input] : Array.isArray(input) ? input.map(String) : [];
  const dimensions = typeof body['dimensions'] === 'number' ? body['dimensions'] : FAKE_OLLAMA_EMBEDDING_DIMENSIONS;
  return {
    model,
    embeddings: texts.map((text) => fakeEmbedding(text, dimensions)),
    total_duration: 14143917,
    load_duration: 1019500,
    prompt_eval_count: texts.reduce((sum, text) => sum + Math.max(1, Math.ceil(text.length / 4)), 0),
  };
}
