import { protectedRoute } from './protected-route.ts';
import { type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import {
  errorResponses,
  jsonBody,
  jsonContent,
  sseContent,
  streamStartDescription,
  type InputLimits,
} from '../schemas/common.ts';
import { generateRequestSchema, generateResponseSchema } from '../schemas/generate.ts';
import { answerHeaders } from '../services/answer-headers.ts';
import { runGeneration } from '../services/generation.ts';
import { statelessGeneration, type StatelessRequest } from '../services/stateless-generation.ts';
import { streamGeneration, type GenerationStreamOptions } from '../streaming/generation-stream.ts';

/** How a stateless route frames its stream. */
export type StatelessStreamEvents = Pick<
  GenerationStreamOptions,
  'startEvent' | 'tokenEvent' | 'doneEvents' | 'endOfStream' | 'errorEvent'
>;

/** Runs a stateless generation to the end and sets the headers naming the model; throws its error, if any, for onError. */
export async function generateWhole(c: Context<AppEnv>, request: StatelessRequest) {
  const { input } = statelessGeneration(c.var.services, c.var.caller, request);
  const outcome = await runGeneration(input(c.req.raw.signal));
  if (outcome.error) throw outcome.error;
  for (const [name, value] of Object.entries(answerHeaders(outcome))) c.header(name, value);
  return { model: outcome.model, outcome };
}

/** Streams a stateless generation as SSE with the given event shapes. */
export function streamStateless(c: Context<AppEnv>, request: StatelessRequest, events: StatelessStreamEvents): Promise<Response> {
  const { config, logger } = c.var.services;
  const { route, input } = statelessGeneration(c.var.services, c.var.caller, request);
  return streamGeneration({
    signal: c.req.raw.signal,
    keepAliveMs: config.KEEPALIVE_SECONDS * 1000,
    requestedModel: route.model,
    respond: (stream, headers) => c.body(stream, 200, headers),
    run: (sink, signal) => runGeneration(input(signal), sink),
    settle: async () => {},
    runInBackground: c.var.runInBackground,
    logger,
    ...events,
  });
}

export function registerGenerateRoutes(app: OpenAPIHono<AppEnv>, limits: InputLimits): void {
  app.openapi(
    protectedRoute({
      method: 'post',
      path: '/api/generate',
      tags: ['Generate'],
      summary: 'One-shot generation without history (JSON, or SSE with "stream": true)',
      description:
        'With `"stream": true` the answer is SSE: `data: {"response":"…"}` events, then `data: {"done":true,"model","finish_reason","usage"}`. ' +
        streamStartDescription,
      request: { body: jsonBody(generateRequestSchema(limits)) },
      responses: {
        200: {
          description: 'The answer (JSON, or SSE when streaming)',
          content: { ...jsonContent(generateResponseSchema, '').content, ...sseContent('').content },
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      if (body.stream) {
        return streamStateless(c, body, {
          tokenEvent: (text) => ({ response: text }),
          doneEvents: (outcome) => [
            {
              done: true,
              model: outcome.model.id,
              finish_reason: outcome.finishReason,
              usage: { input_tokens: outcome.inputTokens, output_tokens: outcome.outputTokens },
            },
          ],
        });
      }
      const { model, outcome } = await generateWhole(c, body);
      return c.json(
        {
          response: outcome.text,
          model: model.id,
          finish_reason: outcome.finishReason,
          usage: { input_tokens: outcome.inputTokens, output_tokens: outcome.outputTokens },
          timestamp: c.var.services.now().toISOString(),
        },
        200,
      );
    },
  );
}
