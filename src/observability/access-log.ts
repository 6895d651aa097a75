import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { AppEnv } from '../app-env.ts';
import { newRequestRecord, type RequestRecord } from './request-record.ts';

/** Hono's pattern of the route that answered (`/api/history/:id`), or `unmatched` for a 404 no route matched. */
export function routePatternOf(c: Parameters<MiddlewareHandler<AppEnv>>[0]): string {
  const pattern = routePath(c, -1);
  return pattern === '' || pattern === '*' || pattern === '/*' ? 'unmatched' : pattern;
}

/**
 * One JSON line per request at `info` (API.md § Operations): time, request_id, method, route (the
 * pattern, never the raw path), status, duration_ms, the caller's id, and for model calls the
 * provider/model, tokens and outcome. A stream's line is written when its generation settles, with its
 * outcome and the stream's whole duration. Never a secret or a message body.
 */
export const accessLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  const record: RequestRecord = newRequestRecord();
  c.set('requestRecord', record);
  const started = performance.now();
  await next();
  const { logger } = c.var.services;
  const write = () => {
    const generation = record.generation;
    // Unset when the request was refused before authentication finished (a 401).
    const caller = c.get('caller') as AppEnv['Variables']['caller'] | undefined;
    logger.info('request', {
      request_id: c.var.requestId,
      method: c.req.method,
      route: routePatternOf(c),
      status: c.res.status,
      duration_ms: Math.round((performance.now() - started) * 100) / 100,
      caller: caller === undefined || caller.userId === '' ? null : caller.userId,
      ...(caller?.keyId === null || caller === undefined ? {} : { key: caller.keyId }),
      ...(generation === undefined
        ? {}
        : {
            provider: generation.provider,
            model: generation.model,
            outcome: generation.outcome,
            input_tokens: generation.inputTokens,
            output_tokens: generation.outputTokens,
          }),
    });
  };
  if (record.settling === undefined) write();
  else c.var.runInBackground(record.settling.then(write, write));
};
