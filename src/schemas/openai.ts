import { z } from '@hono/zod-openapi';
import { modelNameSchema, type InputLimits } from './common.ts';

/** A string or OpenAI's text parts, each within the message limit; images, audio and files are refused (no provider here takes them yet). */
const contentSchema = (limits: InputLimits) =>
  z.union([
    z.string().max(limits.maxMessageChars),
    z.array(z.object({ type: z.literal('text'), text: z.string().max(limits.maxMessageChars) })).min(1),
  ]);

const messageSchema = (limits: InputLimits) =>
  z.discriminatedUnion('role', [
    z.object({ role: z.enum(['system', 'developer']), content: contentSchema(limits), name: z.string().optional() }),
    z.object({ role: z.literal('user'), content: contentSchema(limits), name: z.string().optional() }),
    z.object({
      role: z.literal('assistant'),
      content: contentSchema(limits).nullable(),
      name: z.string().optional(),
      tool_calls: z.array(z.unknown()).max(0, 'tool calls are not supported').optional(),
    }),
  ]);

export type OpenAiMessage = z.infer<ReturnType<typeof messageSchema>>;

const unsupported = (what: string) => `${what} is not supported by this gateway`;

/**
 * OpenAI's chat completion request. Fields that would change what the answer means and that the gateway
 * cannot honour (tools, n > 1, structured output) are refused with 400 rather than ignored; other
 * unknown fields (presence_penalty, seed, user, …) are ignored, as everywhere in this API.
 */
export const chatCompletionRequestSchema = (limits: InputLimits) =>
  z
    .object({
      model: modelNameSchema,
      messages: z.array(messageSchema(limits)).min(1).max(1000),
      stream: z.boolean().nullish(),
      stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
      temperature: z.number().min(0).max(2).nullish(),
      top_p: z.number().min(0).max(1).nullish(),
      max_tokens: z.number().int().min(1).max(limits.maxOutputTokens).nullish(),
      max_completion_tokens: z.number().int().min(1).max(limits.maxOutputTokens).nullish(),
      stop: z.union([z.string().min(1).max(100), z.array(z.string().min(1).max(100)).max(4)]).nullish(),
      n: z.literal(1, unsupported('n other than 1')).nullish(),
      tools: z.array(z.unknown()).max(0, unsupported('tools')).nullish(),
      tool_choice: z.literal('none', unsupported('tool_choice')).nullish(),
      response_format: z.object({ type: z.literal('text', unsupported('response_format other than text')) }).nullish(),
      user: z.string().max(256).nullish().openapi({ description: 'The end user, recorded with the usage' }),
    })
    .openapi('ChatCompletionRequest', {
      description:
        "OpenAI's chat completion request. `model` is `provider/model`, a bare name (default provider) or an alias. " +
        'Text content only; tools, n > 1 and structured output are refused with 400; other OpenAI fields are ignored.',
    });

export type ChatCompletionRequest = z.infer<ReturnType<typeof chatCompletionRequestSchema>>;

const usageSchema = z
  .object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int(), total_tokens: z.number().int() })
  .openapi('ChatCompletionUsage', { description: 'Token counts; 0 where the upstream did not report them' });

export const chatCompletionSchema = z
  .object({
    id: z.string(),
    object: z.literal('chat.completion'),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({ role: z.literal('assistant'), content: z.string(), refusal: z.null() }),
        logprobs: z.null(),
        finish_reason: z.enum(['stop', 'length', 'content_filter', 'tool_calls']),
      }),
    ),
    usage: usageSchema,
  })
  .openapi('ChatCompletion');

export const openAiErrorSchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      code: z.string().nullable(),
      param: z.string().nullable(),
    }),
  })
  .openapi('OpenAiError', {
    description:
      "OpenAI's error shape. `type` is invalid_request_error (400, 404, 409, 413, 415), authentication_error (401), " +
      'permission_error (403), rate_limit_error (429) or server_error (5xx); `code` is model_not_found for an unknown model, ' +
      'invalid_api_key for 401, rate_limit_exceeded for 429, otherwise the native code in lower case (upstream_error, timeout, …); `param` names the first bad field.',
  });

export const modelListSchema = z
  .object({
    object: z.literal('list'),
    data: z.array(z.object({ id: z.string(), object: z.literal('model'), created: z.number().int(), owned_by: z.string() })),
  })
  .openapi('OpenAiModelList');
