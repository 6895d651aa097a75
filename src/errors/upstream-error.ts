import { APICallError, NoSuchModelError } from 'ai';
import { UpstreamStreamError } from '../providers/upstream-stream-error.ts';
import { AppError } from './app-error.ts';

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

/**
 * The one place an upstream failure becomes an API error. Messages are fixed texts: an upstream's own
 * message can hold its URL, a token or a stack, so it goes to the log, never to the client.
 * `started` says whether the upstream had already answered (a failure then is a broken answer, not an
 * unreachable server).
 */
export function toUpstreamError(error: unknown, options: { started?: boolean } = {}): AppError {
  if (AppError.isInstance(error)) return error;
  if (isTimeoutError(error)) return new AppError('TIMEOUT', 'The model server did not answer in time', { cause: error });
  if (NoSuchModelError.isInstance(error)) return new AppError('NOT_FOUND', 'Model not found', { cause: error });
  if (UpstreamStreamError.isInstance(error)) {
    const message =
      error.kind === 'not-a-model-response'
        ? 'The model server answered with a web page instead of a model response; check the tunnel or proxy in front of it'
        : error.kind === 'truncated'
          ? 'The model server ended the answer before it was complete'
          : 'The model server reported an error';
    return new AppError('UPSTREAM_ERROR', message, { cause: error });
  }
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    if (status === undefined) {
      return options.started
        ? new AppError('UPSTREAM_ERROR', 'The connection to the model server was lost', { cause: error })
        : new AppError('SERVICE_UNAVAILABLE', 'The model server cannot be reached', { cause: error });
    }
    if (status === 404) return new AppError('NOT_FOUND', 'Model not found', { cause: error });
    if (status === 408 || status === 504)
      return new AppError('TIMEOUT', 'The model server did not answer in time', { cause: error });
    if (status === 503) return new AppError('SERVICE_UNAVAILABLE', 'The model server is not ready', { cause: error });
    if (status === 429) {
      const retryAfter = error.responseHeaders?.['retry-after'];
      return new AppError('RATE_LIMIT', 'The model server is rate limiting requests', {
        cause: error,
        ...(retryAfter === undefined ? {} : { headers: { 'Retry-After': retryAfter } }),
      });
    }
    return new AppError('UPSTREAM_ERROR', `The model server answered with an error (${String(status)})`, { cause: error });
  }
  if (findNetworkCode(error) !== undefined || (error instanceof TypeError && /fetch failed|terminated/i.test(error.message))) {
    return options.started
      ? new AppError('UPSTREAM_ERROR', 'The connection to the model server was lost', { cause: error })
      : new AppError('SERVICE_UNAVAILABLE', 'The model server cannot be reached', { cause: error });
  }
  return new AppError('UPSTREAM_ERROR', 'The model server sent an answer that could not be read', { cause: error });
}
