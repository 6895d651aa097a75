import { z } from '@hono/zod-openapi';
import { errorCodes } from '../errors/app-error.ts';

export interface InputLimits {
  maxMessageChars: number;
  maxOutputTokens: number;
}

export const errorSchema = z
  .object({
    error: z.string(),
    code: z.enum(errorCodes),
    request_id: z.string().nullable(),
    details: z.array(z.object({ field: z.string(), message: z.string() })),
  })
  .openapi('Error');

/**
 * `provider/model`, a bare model name or an alias. Names that look like URLs or hosts are refused:
 * upstream addresses come from configuration only.
 */
export const modelNameSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^(?!.*\/\/)(?!.*\.\.)[A-Za-z0-9][\w.:/-]*$/, 'must be provider/model or a model name, not a URL')
  .openapi({ example: 'ollama/llama3.2' });

export const parametersSchema = (limits: InputLimits) =>
  z
    .object({
      temperature: z.number().min(0).max(2).optional(),
      max_tokens: z.number().int().min(1).max(limits.maxOutputTokens).optional(),
      top_p: z.number().min(0).max(1).optional(),
      stop: z.array(z.string().min(1).max(100)).max(4).optional(),
    })
    .openapi('GenerationParameters');

export const usageSchema = z
  .object({ input_tokens: z.number().int().nullable(), output_tokens: z.number().int().nullable() })
  .openapi('Usage');

export const errorResponses = {
  400: { description: 'Invalid input', content: { 'application/json': { schema: errorSchema } } },
  401: {
    description: 'Missing, wrong, expired or revoked credential (with `WWW-Authenticate: Bearer`)',
    content: { 'application/json': { schema: errorSchema } },
  },
  403: {
    description: "Not allowed: admin only, a model outside the key's list, or a cross-site cookie request",
    content: { 'application/json': { schema: errorSchema } },
  },
  404: { description: 'Not found', content: { 'application/json': { schema: errorSchema } } },
  413: { description: 'Body too large', content: { 'application/json': { schema: errorSchema } } },
  415: { description: 'Body is not JSON', content: { 'application/json': { schema: errorSchema } } },
  502: { description: 'The model server answered with an error', content: { 'application/json': { schema: errorSchema } } },
  503: { description: 'The model server cannot be reached', content: { 'application/json': { schema: errorSchema } } },
  504: { description: 'The model server did not answer in time', content: { 'application/json': { schema: errorSchema } } },
} as const;

export const jsonBody = <T extends z.ZodType>(schema: T, required = true) => ({
  required,
  content: { 'application/json': { schema } },
});

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** How every SSE route starts its stream (src/streaming/generation-stream.ts), for the route descriptions. */
export const streamStartDescription =
  'The stream starts when the model server answers or, if it has not within KEEPALIVE_SECONDS (a cold model load), ' +
  'at once with a `: keep-alive` comment, so a proxy in front of this API (nginx, Cloudflare) does not time out; ' +
  '`X-Model` then names the requested model (the first of an alias chain) and there is no `X-Fallback-Count`. ' +
  'Errors before the stream starts are JSON errors with their status; after it started, an error event ends the stream.';

export const sseContent = (description: string) => ({
  description,
  content: { 'text/event-stream': { schema: z.string() } },
});
