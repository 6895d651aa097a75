import { z } from '@hono/zod-openapi';
import { modelNameSchema, type InputLimits } from './common.ts';
import { imageUrlSchema } from './image-url.ts';

const textPartSchema = (limits: InputLimits) =>
  z.object({ type: z.literal('text'), text: z.string().max(limits.maxMessageChars) });

/** A string or OpenAI's text parts, each within the message limit. */
const textContentSchema = (limits: InputLimits) =>
  z.union([z.string().max(limits.maxMessageChars), z.array(textPartSchema(limits)).min(1)]);

/** A user message's content: text, or text and `image_url` parts (audio and file parts are refused). */
const userContentSchema = (limits: InputLimits) =>
  z.union([
    z.string().max(limits.maxMessageChars),
    z
      .array(
        z.discriminatedUnion('type', [
          textPartSchema(limits),
          z.object({
            type: z.literal('image_url'),
            image_url: z.object({ url: imageUrlSchema, detail: z.enum(['auto', 'low', 'high']).nullish() }),
          }),
        ]),
      )
      .min(1)
      .max(100),
  ]);

const functionNameSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, underscores or dashes');

const toolCallSchema = z.object({
  id: z.string().min(1).max(200),
  type: z.literal('function'),
  function: z.object({ name: functionNameSchema, arguments: z.string().max(1_000_000) }),
});

const messageSchema = (limits: InputLimits) =>
  z.discriminatedUnion('role', [
    z.object({ role: z.enum(['system', 'developer']), content: textContentSchema(limits), name: z.string().optional() }),
    z.object({ role: z.literal('user'), content: userContentSchema(limits), name: z.string().optional() }),
    z.object({
      role: z.literal('assistant'),
      content: textContentSchema(limits).nullish(),
      name: z.string().optional(),
      tool_calls: z.array(toolCallSchema).max(128).nullish(),
    }),
    z.object({ role: z.literal('tool'), content: textContentSchema(limits), tool_call_id: z.string().min(1).max(200) }),
  ]);

export type OpenAiMessage = z.infer<ReturnType<typeof messageSchema>>;

/** A JSON schema as the client sent it (passed on to the provider, which checks it). */
const jsonSchemaObject = z.record(z.string(), z.unknown());

const toolSchema = z.object({
  type: z.literal('function'),
  function: z.object({
    name: functionNameSchema,
    description: z.string().max(10_000).nullish(),
    parameters: jsonSchemaObject.nullish(),
    strict: z.boolean().nullish(),
  }),
});

const toolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: functionNameSchema }) }),
]);

const responseFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: functionNameSchema,
      description: z.string().max(10_000).nullish(),
      schema: jsonSchemaObject.nullish(),
      strict: z.boolean().nullish(),
    }),
  }),
]);

const penaltySchema = z.number().min(-2).max(2).nullish();

/**
 * OpenAI's chat completion request. What changes the answer is honoured or refused with 400 naming
 * the field (n > 1, features the model's provider cannot do: provider-capabilities.ts); fields that do
 * not (metadata, store, service_tier, …) are ignored, as unknown fields everywhere in this API.
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
      n: z.literal(1, 'n other than 1 is not supported by this gateway').nullish(),
      tools: z.array(toolSchema).max(128).nullish(),
      tool_choice: toolChoiceSchema.nullish(),
      parallel_tool_calls: z.boolean().nullish(),
      response_format: responseFormatSchema.nullish(),
      seed: z.number().int().nullish(),
      frequency_penalty: penaltySchema,
      presence_penalty: penaltySchema,
      logit_bias: z.record(z.string().regex(/^\d+$/, 'must be a token id'), z.number().min(-100).max(100)).nullish(),
      user: z.string().max(256).nullish(),
    })
    .openapi('ChatCompletionRequest', {
      description:
        "OpenAI's chat completion request. `model` is `provider/model`, a bare name (default provider) or an alias. " +
        "Tools, image parts, response_format, seed and penalties are passed on where the model's provider can honour them and refused with 400 naming the field where it cannot; n > 1 is refused; other OpenAI fields are ignored.",
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
        message: z.object({
          role: z.literal('assistant'),
          content: z.string().nullable().openapi({ description: 'null when the answer is only tool calls' }),
          refusal: z.null(),
          tool_calls: z.array(toolCallSchema).optional(),
        }),
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

export const openAiModelSchema = z
  .object({ id: z.string(), object: z.literal('model'), created: z.number().int(), owned_by: z.string() })
  .openapi('OpenAiModel');

export const modelListSchema = z
  .object({ object: z.literal('list'), data: z.array(openAiModelSchema) })
  .openapi('OpenAiModelList');
