import { ApiError } from '../client/api-client.ts';

/** One line for any failure: the API's message, the fields it names and its code; never a stack trace. */
export function describeFailure(error: unknown): string {
  let text: string;
  if (ApiError.isInstance(error)) {
    // A detail the message already says is not repeated.
    const details = error.details
      .filter((detail) => !error.message.includes(detail.message))
      .map((detail) => `${detail.field}: ${detail.message}`)
      .join('; ');
    const status = error.status === 0 || error.status === 200 ? '' : ` ${String(error.status)}`;
    const retry = error.retryAfterSeconds === undefined ? '' : `, retry after ${String(error.retryAfterSeconds)} s`;
    text = `${error.message}${details === '' ? '' : ` (${details})`} [${error.code}${status}${retry}]`;
  } else if (error instanceof Error) {
    text = error.message;
  } else {
    text = String(error);
  }
  return text.replace(/\s*\n\s*/g, ' ');
}
