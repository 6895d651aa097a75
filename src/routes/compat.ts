import { protectedRoute } from './protected-route.ts';
import { z } from '@hono/zod-openapi';
import {
  errorResponses,
  jsonBody,
  jsonContent,
  sseContent,
  streamStartDescription,
  type InputLimits,
} from '../schemas/common.ts';
import { askRequestSchema, legacyGenerateRequestSchema, shortGenerateRequestSchema } from '../schemas/generate.ts';
import { generateWhole, responseEventJson, streamStateless } from './generation-response.ts';
import { routeGroup } from './route-group.ts';

const tags = ['Compatibility'];

/** Short forms kept for clients of the container-template API. They use the configured default model. */
export function compatRoutes(limits: InputLimits) {
  return routeGroup()
    .openapi(
      protectedRoute({
        method: 'post',
        path: '/api/v1/generate',
        tags,
        summary: 'Generate with the default model: {"response"}; SSE {"response"} events then {} with "stream": true',
        description: `With \`"stream": true\`, SSE as summarised. ${streamStartDescription}`,
        request: { body: jsonBody(legacyGenerateRequestSchema(limits)) },
        responses: {
          200: {
            description: 'The answer',
            content: { ...jsonContent(z.object({ response: z.string() }), '').content, ...sseContent('').content },
          },
          ...errorResponses,
        },
      }),
      async (c) => {
        const { prompt, stream } = c.req.valid('json');
        if (stream) {
          return streamStateless(c, { prompt }, { tokenEvent: responseEventJson, doneEvents: () => [{}] });
        }
        const { outcome } = await generateWhole(c, { prompt });
        return c.json({ response: outcome.text }, 200);
      },
    )
    .openapi(
      protectedRoute({
        method: 'post',
        path: '/generate',
        tags,
        summary: 'Generate: {"response","model","done":true}',
        request: { body: jsonBody(shortGenerateRequestSchema(limits)) },
        responses: {
          200: jsonContent(z.object({ response: z.string(), model: z.string(), done: z.literal(true) }), 'The answer'),
          ...errorResponses,
        },
      }),
      async (c) => {
        const { prompt, model, temperature, max_tokens } = c.req.valid('json');
        const result = await generateWhole(c, { prompt, model, parameters: { temperature, max_tokens } });
        return c.json({ response: result.outcome.text, model: result.model.id, done: true as const }, 200);
      },
    )
    .openapi(
      protectedRoute({
        method: 'post',
        path: '/ask',
        tags,
        summary: 'Ask a question: {"answer","model"}',
        request: { body: jsonBody(askRequestSchema(limits)) },
        responses: { 200: jsonContent(z.object({ answer: z.string(), model: z.string() }), 'The answer'), ...errorResponses },
      }),
      async (c) => {
        const { question, temperature } = c.req.valid('json');
        const result = await generateWhole(c, { prompt: question, parameters: { temperature } });
        return c.json({ answer: result.outcome.text, model: result.model.id }, 200);
      },
    );
}
