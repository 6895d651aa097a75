import type { AppError } from './app-error.ts';

/** Routes that answer in OpenAI's wire format, errors included. */
export const isOpenAiPath = (path: string) => path === '/v1' || path.startsWith('/v1/');

function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

function errorCode(error: AppError, param: string | null): string {
  if (error.code === 'NOT_FOUND' && param === 'model') return 'model_not_found';
  if (error.code === 'RATE_LIMIT') return 'rate_limit_exceeded';
  if (error.code === 'UNAUTHORIZED') return 'invalid_api_key';
  return error.code.toLowerCase();
}

/** An AppError as OpenAI writes errors: `{"error":{"message","type","code","param"}}`; `param` is the first bad field. */
export function openAiErrorBody(error: AppError) {
  const param = error.details[0]?.field ?? null;
  const message =
    error.code === 'INVALID_INPUT' && error.details.length > 0
      ? `${error.message}: ${error.details.map((detail) => `${detail.field}: ${detail.message}`).join('; ')}`
      : error.message;
  return { error: { message, type: errorType(error.status), code: errorCode(error, param), param } };
}
