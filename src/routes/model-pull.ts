import { z } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env.ts';
import { requireAdmin } from '../auth/authenticate.ts';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../logger.ts';
import { errorResponses, jsonBody, modelNameSchema, sseContent } from '../schemas/common.ts';
import type { PullProgress } from '../providers/ollama-pull.ts';
import { startModelPull } from '../services/model-pull.ts';
import { createSseStream, sseHeaders, type SseStream } from '../streaming/sse-stream.ts';
import { protectedRoute } from './protected-route.ts';
import { routeGroup } from './route-group.ts';

const pullBody = z.object({ model: modelNameSchema.openapi({ example: 'ollama/llama3.2:1b' }) }).openapi('PullModelRequest');

/** Before the body is validated: a non-admin learns nothing about what it would have pulled. */
const adminOnly = createMiddleware<AppEnv>(async (c, next) => {
  requireAdmin(c.var.caller, 'Pulling models');
  await next();
});

/** Relays Ollama's progress as `{"status","completed"?,"total"?}` events, then `{"done":true}`, or the error event. */
async function relay(progress: AsyncIterable<PullProgress>, sse: SseStream, logger: Logger, model: string): Promise<void> {
  try {
    for await (const { status, completed, total } of progress) {
      if (sse.closed) return;
      await sse.send({ status, ...(completed === undefined ? {} : { completed }), ...(total === undefined ? {} : { total }) });
    }
    await sse.send({ done: true });
  } catch (error) {
    if (sse.closed) return;
    const appError = AppError.isInstance(error) ? error : new AppError('INTERNAL_ERROR', 'The pull failed');
    const cause = appError.cause instanceof Error ? appError.cause.message : undefined;
    logger.warn('model pull failed', { model, code: appError.code, ...(cause === undefined ? {} : { upstream: cause }) });
    await sse.send({ error: appError.message, code: appError.code });
  } finally {
    sse.close();
  }
}

export function modelPullRoutes() {
  return routeGroup().openapi(
    protectedRoute({
      method: 'post',
      path: '/api/models/pull',
      tags: ['Models'],
      summary: "Pull (download) a model onto an Ollama server, relaying Ollama's progress as Server-Sent Events (admin only)",
      description:
        '`model` is an Ollama model: `ollama/llama3.2:1b`, a model of another OLLAMA_PROVIDERS server (`gpu/llama3.1`), a bare name when the default provider is an Ollama, or an alias of one model. A cloud model or an alias of several is 400 naming `model`. ' +
        'Events: `data: {"status":"pulling manifest"}`, `data: {"status":"pulling dde5aa3fc5ff","completed":660541344,"total":1321082688}` (per layer; `total` is that layer\'s size), … `data: {"status":"success"}`, then `data: {"done":true}`. ' +
        'A `: keep-alive` comment goes out when nothing was sent for KEEPALIVE_SECONDS (verifying a large model can take minutes). ' +
        'Failures before the stream starts (the model server unreachable, an error status, no answer within its header limit) are JSON errors; after, the stream ends with `data: {"error":"…","code":"…"}` and no done event (`NOT_FOUND` when the registry has no such model). ' +
        'Once Ollama answers, the pull has no time limit; a client that disconnects cancels it (Ollama keeps the layers it has for the next pull).',
      middleware: [adminOnly] as const,
      request: { body: jsonBody(pullBody) },
      responses: {
        200: sseContent("Ollama's pull progress as SSE"),
        400: errorResponses[400],
        401: errorResponses[401],
        403: errorResponses[403],
        404: errorResponses[404],
        415: errorResponses[415],
        502: errorResponses[502],
        503: errorResponses[503],
        504: errorResponses[504],
      },
    }),
    async (c) => {
      const { registry, config, logger } = c.var.services;
      const clientGone = new AbortController();
      const pull = await startModelPull(
        registry,
        c.req.valid('json').model,
        AbortSignal.any([c.req.raw.signal, clientGone.signal]),
      );
      const sse = createSseStream({
        keepAliveMs: config.KEEPALIVE_SECONDS * 1000,
        onCancel: () => {
          clientGone.abort();
        },
      });
      c.var.runInBackground(relay(pull.progress, sse, logger, pull.model.id));
      return c.body(sse.readable, 200, { ...sseHeaders, 'X-Model': pull.model.id });
    },
  );
}
