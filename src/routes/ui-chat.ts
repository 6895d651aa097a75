import {
  errorResponses,
  errorSchema,
  jsonBody,
  sseContent,
  streamStartDescription,
  type InputLimits,
} from '../schemas/common.ts';
import { uiChatRequestSchema } from '../schemas/ui-chat.ts';
import type { GenerationOutcome } from '../services/generation.ts';
import { jsonWithText } from '../streaming/json-with-text.ts';
import { generationContext, streamAnswer } from './generation-response.ts';
import { protectedRoute } from './protected-route.ts';
import { routeGroup } from './route-group.ts';

/** The finish reasons the AI SDK's UI message chunk schema accepts; anything else is `other`. */
const uiFinishReasons = new Set(['stop', 'length', 'content-filter', 'tool-calls', 'error', 'other']);

/** The one text part of an answer (UI message chunks name their parts; one answer has one). */
const textPartId = 'text';
const textDeltaJson = jsonWithText((text) => ({ type: 'text-delta', id: textPartId, delta: text }));

const answerMetadata = (outcome: GenerationOutcome) => ({
  model: outcome.model.id,
  finish_reason: outcome.finishReason,
  usage: { input_tokens: outcome.inputTokens, output_tokens: outcome.outputTokens },
});

export function uiChatRoutes(limits: InputLimits) {
  return routeGroup().openapi(
    protectedRoute({
      method: 'post',
      path: '/api/ui/chat',
      tags: ['Chat'],
      summary: "The Vercel AI SDK's useChat endpoint: a turn of the conversation `id`, as a UI message stream",
      description:
        'Takes the body `useChat({ transport: new DefaultChatTransport({ api: "/api/ui/chat" }) })` sends (`{id, messages, trigger, messageId}`; ' +
        "`model`, `system` and `parameters` may be added through the transport's `body`) and answers with the AI SDK UI message stream " +
        "(`x-vercel-ai-ui-message-stream: v1`): `start` (its `messageId` is the stored answer's id), `text-start`, `text-delta`…, `text-end`, " +
        '`finish` (with `messageMetadata` {model, finish_reason, usage}), then `data: [DONE]`. `id` is the conversation: a UUID is its id, any ' +
        'other chat id names a conversation of the caller derived from it (sent back in `X-Conversation-Id`); it is created on first use. ' +
        'Only the last message (the new user message) is read; the earlier turns come from the stored history. `trigger: "regenerate-message"` ' +
        'answers the last user message again and replaces the last answer (`messageId`, when sent, must be that answer). Errors before the stream ' +
        'starts are JSON errors with their status (409 while a generation runs in the conversation); after, an `error` chunk ends the stream. ' +
        'A client that disconnects (Stop) cancels the model call and the partial answer is stored as aborted. ' +
        streamStartDescription,
      request: { body: jsonBody(uiChatRequestSchema(limits)) },
      responses: {
        200: sseContent('The AI SDK UI message stream'),
        409: {
          description: 'A generation is already running in this conversation',
          content: { 'application/json': { schema: errorSchema } },
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      const generation = await c.var.services.generations.uiChat(generationContext(c, true), c.req.valid('json'));
      const { turn } = generation;
      return streamAnswer(c, generation, {
        headers: { 'X-Conversation-Id': turn.conversationId, 'x-vercel-ai-ui-message-stream': 'v1' },
        startEvents: (start) => [
          {
            type: 'start',
            messageId: turn.assistantMessageId,
            messageMetadata: { conversation_id: turn.conversationId, model: start.model.id },
          },
          { type: 'text-start', id: textPartId },
        ],
        tokenEvent: textDeltaJson,
        doneEvents: (outcome) => [
          { type: 'text-end', id: textPartId },
          {
            type: 'finish',
            finishReason: uiFinishReasons.has(outcome.finishReason ?? '') ? outcome.finishReason : 'other',
            messageMetadata: answerMetadata(outcome),
          },
        ],
        endOfStream: '[DONE]',
        errorEvent: (error) => ({ type: 'error', errorText: error.message }),
      });
    },
  );
}
