import { AppError } from '../errors/app-error.ts';
import { toUpstreamError, upstreamStatusError } from '../errors/upstream-error.ts';
import { mediaTypeOf } from './stream-format.ts';
import { UpstreamStreamError } from './upstream-stream-error.ts';

/** One progress line of Ollama's POST /api/pull (api.ProgressResponse). */
export interface PullProgress {
  status: string;
  digest?: string;
  total?: number;
  completed?: number;
}

export interface OllamaPullOptions {
  /** The provider's transport (no Origin header, no redirects followed). */
  fetch: typeof fetch;
  /** Ollama's address without `/api`. */
  baseUrl: string;
  headers: Record<string, string>;
  /** How long to wait for the response headers; once the pull streams there is no time limit. */
  headersTimeoutMs: number;
}

/** Ollama's text when the registry has no such model (`pull model manifest: file does not exist`). */
const missingModel = /file does not exist|not found|manifest unknown/i;

/** An `{"error":…}` line: a fixed text for the client, Ollama's own text only in `cause` (for the log). */
function pullFailure(upstreamText: string): AppError {
  const cause = new UpstreamStreamError(upstreamText, 'error-line');
  if (missingModel.test(upstreamText))
    return new AppError('NOT_FOUND', 'The model server found no such model to pull', {
      cause,
      details: [{ field: 'model', message: 'the registry the model server pulls from does not have this model' }],
    });
  return new AppError('UPSTREAM_ERROR', 'The model server could not pull the model', { cause });
}

/** What Ollama's pull answers carry: NDJSON while streaming (JSON for an error before any progress is an error status). */
const pullMediaTypes = new Set(['application/x-ndjson', 'application/json']);

const numberOrAbsent = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

const notOllama = () =>
  toUpstreamError(new UpstreamStreamError("The model server's pull stream is not Ollama's NDJSON", 'not-a-model-response'));

/** One line of the body: a progress update, or the failure it reports or is. */
function readLine(line: string): PullProgress | AppError {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return notOllama();
  }
  if (typeof value !== 'object' || value === null) return notOllama();
  const fields = value as Record<string, unknown>;
  if (typeof fields['error'] === 'string') return pullFailure(fields['error']);
  if (typeof fields['status'] !== 'string') return notOllama();
  const progress: PullProgress = { status: fields['status'] };
  const digest = fields['digest'];
  const total = numberOrAbsent(fields['total']);
  const completed = numberOrAbsent(fields['completed']);
  if (typeof digest === 'string') progress.digest = digest;
  if (total !== undefined) progress.total = total;
  if (completed !== undefined) progress.completed = completed;
  return progress;
}

/** The body's progress lines until `{"status":"success"}`; a failure, or an end before success, throws an AppError. */
async function* progressLines(body: ReadableStream<Uint8Array>): AsyncGenerator<PullProgress> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let carry = '';
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw toUpstreamError(error, { started: true });
      }
      const text = chunk.done ? `${carry}${decoder.decode()}\n` : carry + decoder.decode(chunk.value, { stream: true });
      const lines = text.split('\n');
      carry = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        const progress = readLine(line);
        if (progress instanceof AppError) throw progress;
        yield progress;
        if (progress.status === 'success') return;
      }
      if (chunk.done) throw toUpstreamError(new UpstreamStreamError('The pull stream ended before success', 'truncated'));
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * Starts Ollama's POST /api/pull and resolves once Ollama answered with its progress stream. Failures
 * before that (unreachable, an error status, a web page, no answer within the header limit) reject
 * with the API error of the one upstream mapper; later ones are thrown by the returned iterator. The
 * signal cancels the pull (Ollama stops the download and keeps what it has for the next pull).
 */
export async function startOllamaPull(
  options: OllamaPullOptions,
  modelName: string,
  signal: AbortSignal,
): Promise<AsyncGenerator<PullProgress>> {
  const headersTimeout = new AbortController();
  const timer = setTimeout(() => {
    headersTimeout.abort(new DOMException('No response headers in time', 'TimeoutError'));
  }, options.headersTimeoutMs);
  let response: Response;
  try {
    response = await options.fetch(`${options.baseUrl}/api/pull`, {
      method: 'POST',
      headers: { ...options.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ model: modelName, stream: true }),
      signal: AbortSignal.any([signal, headersTimeout.signal]),
    });
  } catch (error) {
    throw toUpstreamError(headersTimeout.signal.aborted ? headersTimeout.signal.reason : error);
  } finally {
    clearTimeout(timer);
  }
  const mediaType = mediaTypeOf(response.headers.get('content-type'));
  if (!response.ok) {
    await response.body?.cancel();
    const error = upstreamStatusError(response.status, Object.fromEntries(response.headers));
    if (error.code !== 'INVALID_INPUT') throw error;
    throw new AppError('INVALID_INPUT', 'The model server refused this model name', {
      details: [{ field: 'model', message: 'the model server refused this name' }],
    });
  }
  if (response.body === null || (mediaType !== undefined && !pullMediaTypes.has(mediaType))) {
    await response.body?.cancel();
    throw notOllama();
  }
  return progressLines(response.body);
}
