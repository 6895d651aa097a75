import type { MiddlewareHandler } from 'hono';
import { AppError } from '../errors/app-error.ts';

const jsonType = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

/** A request that carries a body must say it is JSON: anything else is 415 before parsing. */
export const requireJsonBody: MiddlewareHandler = async (c, next) => {
  const method = c.req.method;
  if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
    const length = c.req.header('content-length');
    const hasBody = c.req.header('transfer-encoding') !== undefined || (length !== undefined && length !== '0');
    const contentType = c.req.header('content-type');
    if (hasBody && (contentType === undefined || !jsonType.test(contentType))) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'The body must be JSON (Content-Type: application/json)');
    }
  }
  await next();
};
