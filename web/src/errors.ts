import { APICallError } from 'ai';
import { ApiError, parseErrorBody } from './api.ts';

/** What a failed call last answered, read by the chat transport's fetch (useChat's error has no headers). */
export interface FailedResponse {
  status: number;
  retryAfterSeconds: number | undefined;
}

const byCode: Record<string, string> = {
  SERVICE_UNAVAILABLE: 'The model server cannot be reached. Check that Ollama (or the tunnel to it) is running.',
  TIMEOUT: 'The model server did not answer in time.',
  UPSTREAM_ERROR: 'The model server answered with an error.',
  CONFLICT: 'An answer is still being written in this conversation; wait for it or stop it.',
  NOT_FOUND: 'Not found.',
};

/** The sentence shown in the page for an error of the API, the chat stream or the network. */
export function describeError(error: unknown, failed?: FailedResponse): string {
  let status: number | undefined;
  let code: string | undefined;
  let message: string | undefined;
  let retryAfter = failed?.retryAfterSeconds;
  if (error instanceof ApiError) {
    ({ status, code, message } = error);
    retryAfter = error.retryAfterSeconds ?? retryAfter;
  } else if (APICallError.isInstance(error)) {
    status = error.statusCode;
    const body = parseErrorBody(error.responseBody ?? '');
    code = body.code;
    message = body.error;
  } else if (error instanceof TypeError) {
    return 'The server cannot be reached. Check your connection and try again.';
  } else if (error instanceof Error) {
    message = error.message;
  }
  if (status === 429 || code === 'RATE_LIMIT') {
    const wait = retryAfter === undefined ? 'in a moment' : `in ${String(retryAfter)} second${retryAfter === 1 ? '' : 's'}`;
    return `Too many requests: try again ${wait}.`;
  }
  if (status === 503 && code !== 'SERVICE_UNAVAILABLE') return byCode['SERVICE_UNAVAILABLE'] ?? '';
  const known = code === undefined ? undefined : byCode[code];
  if (known !== undefined) return message !== undefined && code === 'UPSTREAM_ERROR' ? `${known} (${message})` : known;
  return message ?? 'Something went wrong.';
}
