import { APICallError, NoSuchModelError } from 'ai';
import { UpstreamStreamError } from '../providers/upstream-stream-error.ts';
import { AppError, type ErrorCode } from './app-error.ts';

/**
 * What may be tried after a failed model call that sent no text yet: the same model again (a passing
 * fault: connection, 429, 5xx), only the next model of the fallback chain (this provider cannot serve
 * it: 401, 404, a tunnel's page), or nothing (the request itself is wrong: 400).
 */
export type RetryDisposition = 'same' | 'next' | 'none';

export interface UpstreamFailure {
  error: AppError;
  retry: RetryDisposition;
  /** How long the upstream asked to wait (Retry-After, retry-after-ms). */
  retryAfterMs?: number;
}

const networkErrorCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ConnectionRefused',
  'ConnectionClosed',
]);

/** Walks an error's cause chain looking for a socket-level failure code. */
function findNetworkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && networkErrorCodes.has(code)) return code;
    current = current.cause;
  }
  return undefined;
}

function isTimeoutError(error: unknown): boolean {
  return (
    error instanceof Error && (error.name === 'TimeoutError' || (error as { code?: unknown }).code === 'UND_ERR_HEADERS_TIMEOUT')
  );
}

/** Retry-After in seconds or as an HTTP date, or OpenAI's retry-after-ms; undefined when absent or unreadable. */
export function parseRetryAfter(headers: Record<string, string> | undefined, now = Date.now()): number | undefined {
  const milliseconds = Number(headers?.['retry-after-ms']);
  if (headers?.['retry-after-ms'] !== undefined && Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const value = headers?.['retry-after']?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const failure = (code: ErrorCode, message: string, retry: RetryDisposition, cause: unknown): UpstreamFailure => ({
  error: new AppError(code, message, { cause }),
  retry,
});

/** The upstream does not have the model: the request's `model` field is what is wrong. */
const modelMissing = (cause: unknown): UpstreamFailure => ({
  error: new AppError('NOT_FOUND', 'Model not found', {
    cause,
    details: [{ field: 'model', message: 'the model server does not have this model' }],
  }),
  retry: 'next',
});

const tunnelPage = 'check the tunnel or proxy in front of it';
const connectionLost = 'The connection to the model server was lost';
const unreachable = 'The model server cannot be reached';

/** An HTTP error status from the upstream. Only fixed texts: the upstream's body never reaches the client. */
function fromStatus(status: number, headers: Record<string, string> | undefined, cause: unknown): UpstreamFailure {
  const html = (headers?.['content-type'] ?? '').includes('text/html');
  if (status >= 300 && status < 400)
    return failure(
      'UPSTREAM_ERROR',
      `The model server's address redirected elsewhere (often a tunnel's login page); ${tunnelPage}`,
      'next',
      cause,
    );
  if (status === 401 || status === 403) {
    if (html)
      return failure(
        'UPSTREAM_ERROR',
        "A login or access page answered instead of the model server; set the tunnel's credentials (CF-Access-Client-Id/Secret headers, basic auth in the URL)",
        'next',
        cause,
      );
    return status === 401
      ? failure(
          'UPSTREAM_ERROR',
          "The model server refused the gateway's credentials (401); check the provider's API key",
          'next',
          cause,
        )
      : failure(
          'UPSTREAM_ERROR',
          "The model server refused the request (403); behind a tunnel, rewrite the Host header to the server's own (ngrok --host-header, cloudflared --http-host-header) and check its credentials",
          'next',
          cause,
        );
  }
  if (html && status === 504)
    return failure(
      'TIMEOUT',
      `A proxy or tunnel in front of the model server gave up waiting for it (a 504 page); ${tunnelPage}`,
      'same',
      cause,
    );
  if (html && (status === 404 || status >= 500))
    return failure(
      'SERVICE_UNAVAILABLE',
      `A web page answered instead of the model server (${String(status)}); ${tunnelPage}`,
      status === 404 ? 'next' : 'same',
      cause,
    );
  if (status === 400 || status === 413 || status === 422)
    return failure('INVALID_INPUT', 'The model server refused the request as invalid', 'none', cause);
  if (status === 404) return modelMissing(cause);
  if (status === 408 || status === 504) return failure('TIMEOUT', 'The model server did not answer in time', 'same', cause);
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(headers);
    const retryAfter = retryAfterMs === undefined ? undefined : String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
    return {
      error: new AppError('RATE_LIMIT', 'The model server is rate limiting requests', {
        cause,
        ...(retryAfter === undefined ? {} : { headers: { 'Retry-After': retryAfter } }),
      }),
      retry: 'same',
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  if (status === 503 || status === 529) return failure('SERVICE_UNAVAILABLE', 'The model server is not ready', 'same', cause);
  if (status === 500 || status === 502)
    return failure('UPSTREAM_ERROR', `The model server answered with an error (${String(status)})`, 'same', cause);
  return failure('UPSTREAM_ERROR', `The model server answered with an error (${String(status)})`, 'next', cause);
}

/**
 * The API error for an HTTP error status of a model server's answer to a request that is not a model
 * call (a model pull), by the same table as model calls.
 */
export function upstreamStatusError(status: number, headers?: Record<string, string>): AppError {
  return fromStatus(status, headers, undefined).error;
}

/** An error object a provider reported inside its stream (not an Error instance), with the status it implies. */
function streamErrorStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || error instanceof Error) return undefined;
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * The one place an upstream failure becomes an API error and a retry decision. Messages are fixed
 * texts: an upstream's own message can hold its URL, a token or a stack, so it goes to the log, never
 * to the client. `started` says whether the upstream had already answered (a failure then is a broken
 * answer, not an unreachable server).
 */
export function classifyUpstreamFailure(error: unknown, options: { started?: boolean } = {}): UpstreamFailure {
  if (AppError.isInstance(error)) return { error, retry: 'next' };
  if (isTimeoutError(error)) return failure('TIMEOUT', 'The model server did not answer in time', 'same', error);
  if (NoSuchModelError.isInstance(error)) return modelMissing(error);
  if (UpstreamStreamError.isInstance(error)) {
    if (error.kind === 'not-a-model-response')
      return failure(
        'UPSTREAM_ERROR',
        "Something other than the model server answered at its address (a web page, plain text, another server's JSON); check the address and the tunnel or proxy in front of it",
        'next',
        error,
      );
    if (error.kind === 'truncated')
      return failure('UPSTREAM_ERROR', 'The model server ended the answer before it was complete', 'same', error);
    return failure('UPSTREAM_ERROR', 'The model server reported an error', 'next', error);
  }
  if (APICallError.isInstance(error)) {
    if (error.statusCode !== undefined) return fromStatus(error.statusCode, error.responseHeaders, error);
    return failure(
      options.started ? 'UPSTREAM_ERROR' : 'SERVICE_UNAVAILABLE',
      options.started ? connectionLost : unreachable,
      'same',
      error,
    );
  }
  const reportedStatus = streamErrorStatus(error);
  if (reportedStatus !== undefined)
    return failure(
      'UPSTREAM_ERROR',
      'The model server reported an error',
      fromStatus(reportedStatus, undefined, error).retry,
      error,
    );
  if (findNetworkCode(error) !== undefined || (error instanceof TypeError && /fetch failed|terminated/i.test(error.message))) {
    return failure(
      options.started ? 'UPSTREAM_ERROR' : 'SERVICE_UNAVAILABLE',
      options.started ? connectionLost : unreachable,
      'same',
      error,
    );
  }
  return failure('UPSTREAM_ERROR', 'The model server sent an answer that could not be read', 'next', error);
}

/** The API error for an upstream failure (see {@link classifyUpstreamFailure}). */
export function toUpstreamError(error: unknown, options: { started?: boolean } = {}): AppError {
  return classifyUpstreamFailure(error, options).error;
}
