import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from '../app-env.ts';
import { AppError, type ErrorCode } from './app-error.ts';
import { isOpenAiPath, openAiErrorBody } from './openai-error.ts';

const codeForStatus: Partial<Record<number, ErrorCode>> = {
  400: 'INVALID_INPUT',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMIT',
};

/** Turns anything thrown into an AppError; unknown errors become INTERNAL_ERROR with a fixed message. */
export function toAppError(error: unknown): AppError {
  if (AppError.isInstance(error)) return error;
  if (error instanceof HTTPException) {
    const code = codeForStatus[error.status];
    if (code) return new AppError(code, error.message || 'Invalid request', { cause: error });
  }
  return new AppError('INTERNAL_ERROR', 'Internal server error', { cause: error });
}

export function errorBody(error: AppError, requestId: string | undefined) {
  return { error: error.message, code: error.code, request_id: requestId ?? null, details: error.details };
}

/** The one onError: every error body the API sends is written here, in OpenAI's shape under /v1. */
export function handleError(error: unknown, c: Context<AppEnv>): Response {
  const appError = toAppError(error);
  if (appError.code === 'INTERNAL_ERROR') {
    c.var.services.logger.error('unhandled error', {
      request_id: c.var.requestId,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  }
  for (const [name, value] of Object.entries(appError.headers)) c.header(name, value);
  if (isOpenAiPath(c.req.path)) return c.json(openAiErrorBody(appError), appError.status);
  return c.json(errorBody(appError, c.var.requestId), appError.status);
}

export function handleNotFound(c: Context<AppEnv>): Response {
  return handleError(new AppError('NOT_FOUND', 'Route not found'), c);
}
