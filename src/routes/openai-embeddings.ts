import { type OpenAPIHono } from '@hono/zod-openapi';
import { protectedRoute } from './protected-route.ts';
import type { AppEnv } from '../app-env.ts';
import { jsonBody, type InputLimits } from '../schemas/common.ts';
import { embeddingRequestSchema, embeddingResponseSchema } from '../schemas/openai-embeddings.ts';
import { answerHeaders } from '../services/answer-headers.ts';
import { AppError } from '../errors/app-error.ts';
import { generationContext } from './generation-response.ts';
import { openAiErrorResponses } from './openai-errors.ts';

/** OpenAI's base64 encoding of an embedding: its values as little-endian float32 bytes. */
export function float32Base64(values: readonly number[]): string {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  values.forEach((value, index) => {
    view.setFloat32(index * 4, value, true);
  });
  const bytes = new Uint8Array(view.buffer);
  let binary = '';
  for (let start = 0; start < bytes.length; start += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(start, start + 0x8000));
  return btoa(binary);
}

export function registerOpenAiEmbeddingRoutes(app: OpenAPIHono<AppEnv>, limits: InputLimits): void {
  app.openapi(
    protectedRoute({
      method: 'post',
      path: '/v1/embeddings',
      tags: ['OpenAI-compatible'],
      summary: "OpenAI's embeddings, through the provider's embedding model (Ollama /api/embed, OpenAI, OpenAI-compatible)",
      description:
        '`input` is a string or an array of strings (token arrays are refused with 400); `encoding_format` float (default) or base64 ' +
        '(little-endian float32 bytes, as OpenAI sends them); `dimensions` is passed on. The same model names, aliases and fallbacks as ' +
        'chat; Anthropic models have no embeddings (400, param model). `usage.prompt_tokens` is what the provider reported (0 when it did not).',
      request: { body: jsonBody(embeddingRequestSchema(limits)) },
      responses: {
        200: { description: 'The embeddings', content: { 'application/json': { schema: embeddingResponseSchema } } },
        ...openAiErrorResponses,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const user = body.user ?? undefined;
      const outcome = await c.var.services.generations.embedding(generationContext(c, false, user), {
        model: body.model,
        values: typeof body.input === 'string' ? [body.input] : body.input,
        dimensions: body.dimensions ?? undefined,
        user,
      });
      if (outcome.status !== 'complete') {
        // The client left: nobody reads this (an undocumented status, hence outside the route's types).
        if (outcome.status === 'aborted') return new Response(null, { status: 499 }) as never;
        throw outcome.error ?? new AppError('UPSTREAM_ERROR', 'The model server answered with an error');
      }
      const base64 = body.encoding_format === 'base64';
      const tokens = outcome.inputTokens ?? 0;
      return c.json(
        {
          object: 'list' as const,
          data: outcome.embeddings.map((embedding, index) => ({
            object: 'embedding' as const,
            index,
            embedding: base64 ? float32Base64(embedding) : embedding,
          })),
          model: outcome.model.id,
          usage: { prompt_tokens: tokens, total_tokens: tokens },
        },
        200,
        answerHeaders(outcome),
      );
    },
  );
}
