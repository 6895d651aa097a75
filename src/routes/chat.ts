import { protectedRoute } from './protected-route.ts';
import { type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { chatRequestSchema, chatResponseSchema } from '../schemas/chat.ts';
import {
  errorResponses,
  errorSchema,
  jsonBody,
  jsonContent,
  sseContent,
  streamStartDescription,
  type InputLimits,
} from '../schemas/common.ts';
import type { GenerationOutcome } from '../services/generation.ts';
import { generationContext, runWhole, streamAnswer } from './generation-response.ts';

const usageOf = (outcome: GenerationOutcome) => ({ input_tokens: outcome.inputTokens, output_tokens: outcome.outputTokens });

const conflictResponse = {
  description: 'A generation is already running in this conversation',
  content: { 'application/json': { schema: errorSchema } },
};

export function registerChatRoutes(app: OpenAPIHono<AppEnv>, limits: InputLimits): void {
  const body = jsonBody(chatRequestSchema(limits));

  app.openapi(
    protectedRoute({
      method: 'post',
      path: '/api/chat',
      tags: ['Chat'],
      summary: 'Send a message in a conversation and get the whole answer',
      description:
        '`model` may be `provider/model`, a bare name (DEFAULT_PROVIDER) or an alias with a fallback chain. The answer names the model ' +
        'that answered in `model` and `X-Model`, and `X-Fallback-Count` when a fallback answered.',
      request: { body },
      responses: { 200: jsonContent(chatResponseSchema, 'The answer'), 409: conflictResponse, ...errorResponses },
    }),
    async (c) => {
      const generation = await c.var.services.generations.chat(generationContext(c, false), c.req.valid('json'));
      const { turn } = generation;
      const outcome = await runWhole(c, generation);
      return c.json(
        {
          conversation_id: turn.conversationId,
          message_id: turn.assistantMessageId,
          response: outcome.text,
          model: outcome.model.id,
          finish_reason: outcome.finishReason,
          usage: usageOf(outcome),
          timestamp: c.var.services.now().toISOString(),
        },
        200,
      );
    },
  );

  app.openapi(
    protectedRoute({
      method: 'post',
      path: '/api/chat/stream',
      tags: ['Chat'],
      summary: 'Send a message and stream the answer as Server-Sent Events',
      description:
        'Events: `data: {"token":"…"}` per piece of text, then `data: {"done":true,"conversation_id","message_id","model","finish_reason","usage"}`. ' +
        'A `: keep-alive` comment goes out when nothing was sent for KEEPALIVE_SECONDS. Errors before the stream starts are JSON errors; ' +
        'after, the stream ends with `data: {"error":"…","code":"…"}` and no done event. A disconnect cancels the model call and stores the partial answer as aborted. ' +
        '`X-Model` (and `X-Fallback-Count`) name the model whose response started the stream; the done event names the model that answered. ' +
        streamStartDescription,
      request: { body },
      responses: { 200: sseContent('The answer as SSE'), 409: conflictResponse, ...errorResponses },
    }),
    async (c) => {
      const generation = await c.var.services.generations.chat(generationContext(c, true), c.req.valid('json'));
      const { turn } = generation;
      return streamAnswer(c, generation, {
        headers: { 'X-Conversation-Id': turn.conversationId },
        tokenEvent: (text) => ({ token: text }),
        doneEvents: (outcome) => [
          {
            done: true,
            conversation_id: turn.conversationId,
            message_id: turn.assistantMessageId,
            model: outcome.model.id,
            finish_reason: outcome.finishReason,
            usage: usageOf(outcome),
          },
        ],
      });
    },
  );
}
