import { type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { openAiErrorBody } from '../errors/openai-error.ts';
import { jsonBody, sseContent, streamStartDescription, type InputLimits } from '../schemas/common.ts';
import { chatCompletionRequestSchema, chatCompletionSchema } from '../schemas/openai.ts';
import { assertExchangeTarget, beginExchange, exchangeTarget } from '../services/conversation-exchange.ts';
import { inlineImages } from '../services/image-inputs.ts';
import { fromChatCompletionRequest } from '../services/openai-request.ts';
import { chatCompletion, completionIdentity, createChunkEvents } from '../streaming/openai-chunks.ts';
import { generationContext, runWhole, streamAnswer } from './generation-response.ts';
import { registerOpenAiEmbeddingRoutes } from './openai-embeddings.ts';
import { openAiErrorResponses } from './openai-errors.ts';
import { registerOpenAiModelRoutes } from './openai-models.ts';
import { protectedRoute } from './protected-route.ts';

const tags = ['OpenAI-compatible'];

const description = [
  'Any OpenAI client pointed at `<base>/v1` works. The answer names the model that answered (`provider/model`).',
  'Leading system/developer messages are the system prompt (the configured SYSTEM_PROMPT applies only without them); later ones stay in place.',
  'Function calling: `tools`, `tool_choice` (auto, none, required, a named function), `parallel_tool_calls`, assistant `tool_calls` and `role: "tool"` results; answers carry `message.tool_calls` (content null when there is no text) and finish_reason `tool_calls`.',
  'Images: `image_url` parts with a data URL or an https URL (fetched by the provider, or for Ollama by this API: public addresses only, at most 10 MB, 10 s).',
  "`response_format` json_object and json_schema, `seed`, `frequency_penalty`, `presence_penalty`, `logit_bias` and `user` are honoured (`user` is recorded with the usage); a feature the model's provider cannot do is 400 with `param` naming it (README lists them per provider kind).",
  'Streaming sends a role chunk, content chunks, tool calls as `delta.tool_calls` (index, id, name once, arguments in pieces), a chunk with `finish_reason`, a usage chunk (`choices: []`) when `stream_options.include_usage` is true, then `data: [DONE]`.',
  'A failure after the stream started ends it with `data: {"error":{…}}` and no `[DONE]`. Errors are `{"error":{"message","type","code","param"}}`.',
  `${streamStartDescription} The role chunk is sent when the model answers.`,
  'Stateless unless the header `X-Conversation-Id: <id>` (or `new`) asks to store the exchange: the last user message and the answer are stored in that conversation like an /api/chat turn (409 while another generation runs there, 404 for an unknown or foreign id, before any model call), the model still sees exactly the messages sent, and the answer carries `X-Conversation-Id`.',
].join(' ');

/** `POST /v1/chat/completions`, `/v1/embeddings` and `/v1/models` in OpenAI's wire format. */
export function registerOpenAiRoutes(app: OpenAPIHono<AppEnv>, limits: InputLimits): void {
  app.openapi(
    protectedRoute({
      method: 'post',
      path: '/v1/chat/completions',
      tags,
      summary: 'OpenAI\'s chat completions (JSON, or SSE chunks ending in data: [DONE] with "stream": true)',
      description,
      request: { body: jsonBody(chatCompletionRequestSchema(limits)) },
      responses: {
        200: {
          description: 'The completion (JSON, or SSE when streaming)',
          content: { 'application/json': { schema: chatCompletionSchema }, ...sseContent('').content },
        },
        ...openAiErrorResponses,
      },
    }),
    async (c) => {
      const { services } = c.var;
      const ownerId = c.var.caller.userId;
      const body = c.req.valid('json');
      const request = fromChatCompletionRequest(body);
      const target = exchangeTarget(c.req.header('x-conversation-id'));
      const streaming = body.stream === true;
      const generation = await services.generations.stateless(
        generationContext(c, streaming, request.user),
        request,
        async (route) => {
          if (target !== undefined) await assertExchangeTarget(services.store, ownerId, target);
          const messages = await inlineImages(route, request.messages, services.fetchImage, c.req.raw.signal);
          const turn =
            target === undefined
              ? undefined
              : await beginExchange(services, ownerId, target, { modelId: route.model.id, messages });
          return { messages, turn };
        },
      );
      const conversationHeaders: Record<string, string> =
        generation.turn === undefined ? {} : { 'X-Conversation-Id': generation.turn.conversationId };
      const identity = completionIdentity(services.now());

      if (streaming) {
        const events = createChunkEvents(identity, body.stream_options?.include_usage === true);
        return streamAnswer(c, generation, {
          headers: conversationHeaders,
          startEvent: events.start,
          tokenEvent: events.token,
          toolCallEvent: events.toolCall,
          doneEvents: events.done,
          endOfStream: '[DONE]',
          errorEvent: openAiErrorBody,
        });
      }
      const outcome = await runWhole(c, generation);
      return c.json(chatCompletion(identity, outcome), 200, conversationHeaders);
    },
  );

  registerOpenAiEmbeddingRoutes(app, limits);
  registerOpenAiModelRoutes(app);
}
