import { z } from '@hono/zod-openapi';
import { modelNameSchema, type InputLimits } from './common.ts';

/** OpenAI's limit on inputs per request. */
export const maxEmbeddingInputs = 2048;

const inputMessage = 'must be a non-empty string or an array of them (token arrays are not supported: send text)';

export const embeddingRequestSchema = (limits: InputLimits) =>
  z
    .object({
      model: modelNameSchema,
      input: z.union(
        [
          z.string().min(1).max(limits.maxMessageChars),
          z.array(z.string().min(1).max(limits.maxMessageChars)).min(1).max(maxEmbeddingInputs),
        ],
        { error: inputMessage },
      ),
      encoding_format: z.enum(['float', 'base64']).nullish(),
      dimensions: z.number().int().min(1).max(100_000).nullish(),
      user: z.string().max(256).nullish(),
    })
    .openapi('EmbeddingRequest', {
      description:
        "OpenAI's embeddings request. `model` is `provider/model`, a bare name or an alias (its fallbacks apply); Anthropic has no embedding models (400).",
    });

export type EmbeddingRequestBody = z.infer<ReturnType<typeof embeddingRequestSchema>>;

export const embeddingResponseSchema = z
  .object({
    object: z.literal('list'),
    data: z.array(
      z.object({
        object: z.literal('embedding'),
        index: z.number().int(),
        embedding: z.union([z.array(z.number()), z.string()]).openapi({
          description: 'Floats, or with encoding_format base64 their little-endian float32 bytes in base64',
        }),
      }),
    ),
    model: z.string(),
    usage: z.object({ prompt_tokens: z.number().int(), total_tokens: z.number().int() }),
  })
  .openapi('EmbeddingList');
