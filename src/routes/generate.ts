import { protectedRoute } from './protected-route.ts';
import {
  errorResponses,
  jsonBody,
  jsonContent,
  sseContent,
  streamStartDescription,
  type InputLimits,
} from '../schemas/common.ts';
import { generateRequestSchema, generateResponseSchema } from '../schemas/generate.ts';
import { generateWhole, responseEventJson, streamStateless } from './generation-response.ts';
import { routeGroup } from './route-group.ts';

export function generateRoutes(limits: InputLimits) {
  return routeGroup().openapi(
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
          tokenEvent: responseEventJson,
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
