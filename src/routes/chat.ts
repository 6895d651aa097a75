import type { MessageRow } from '../db/schema.ts';
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
import { jsonWithText } from '../streaming/json-with-text.ts';
import { createSseStream, sseHeaders } from '../streaming/sse-stream.ts';
import { generationContext, runWhole, streamAnswer } from './generation-response.ts';
import { protectedRoute } from './protected-route.ts';
import { routeGroup } from './route-group.ts';

/** `{"token": text}`, the native stream's event for a piece of text. */
const tokenEventJson = jsonWithText((text) => ({ token: text }));

const usageOf = (outcome: Pick<GenerationOutcome, 'inputTokens' | 'outputTokens'>) => ({
  input_tokens: outcome.inputTokens,
  output_tokens: outcome.outputTokens,
});

/** The response of a turn whose answer is stored: the same body /api/chat sent when it was generated. */
const storedAnswer = (conversationId: string, answer: MessageRow) => ({
  conversation_id: conversationId,
  message_id: answer.id,
  response: answer.content,
  model: answer.model ?? '',
  finish_reason: answer.finishReason,
  usage: usageOf(answer),
  timestamp: answer.completedAt ?? answer.createdAt,
});

const replayHeaders = (conversationId: string, answer: MessageRow): Record<string, string> => ({
  'X-Conversation-Id': conversationId,
  ...(answer.model === null ? {} : { 'X-Model': answer.model }),
});

const messageFieldsDescription =
  '`images` (up to 4 data URLs: jpeg, png, webp, gif) are stored with the message, returned by GET /api/history/:id and sent to the model on later turns (the newest four). ' +
  '`message_id` is the id the user message gets: the same id again is 409 while that turn runs, its stored answer (same body and timestamp, no model call) once it completed, ' +
  'and an answer generated again in place of an aborted or failed one; reused with another conversation, text or owner it is 409.';

const conflictResponse = {
  description: 'A generation is already running in this conversation, or message_id is reused or still running',
  content: { 'application/json': { schema: errorSchema } },
};

export function chatRoutes(limits: InputLimits) {
  const body = jsonBody(chatRequestSchema(limits));

  return routeGroup()
    .openapi(
      protectedRoute({
        method: 'post',
        path: '/api/chat',
        tags: ['Chat'],
        summary: 'Send a message in a conversation and get the whole answer',
        description:
          '`model` may be `provider/model`, a bare name (DEFAULT_PROVIDER) or an alias with a fallback chain. The answer names the model ' +
          'that answered in `model` and `X-Model`, and `X-Fallback-Count` when a fallback answered. ' +
          messageFieldsDescription,
        request: { body },
        responses: { 200: jsonContent(chatResponseSchema, 'The answer'), 409: conflictResponse, ...errorResponses },
      }),
      async (c) => {
        const begun = await c.var.services.generations.chat(generationContext(c, false), c.req.valid('json'));
        if (begun.kind === 'replay')
          return c.json(storedAnswer(begun.conversationId, begun.answer), 200, replayHeaders(begun.conversationId, begun.answer));
        const { turn } = begun;
        const outcome = await runWhole(c, begun);
        return c.json(
          {
            conversation_id: turn.conversationId,
            message_id: turn.assistantMessageId,
            response: outcome.text,
            model: outcome.model.id,
            finish_reason: outcome.finishReason,
            usage: usageOf(outcome),
            // When the answer was stored: a retry with the same message_id gets the same body.
            timestamp: (await begun.settled).storedAt ?? c.var.services.now().toISOString(),
          },
          200,
        );
      },
    )
    .openapi(
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
          `${streamStartDescription} ${messageFieldsDescription}` +
          ' A replayed complete turn streams as one token event with the whole answer and its done event.',
        request: { body },
        responses: { 200: sseContent('The answer as SSE'), 409: conflictResponse, ...errorResponses },
      }),
      async (c) => {
        const begun = await c.var.services.generations.chat(generationContext(c, true), c.req.valid('json'));
        if (begun.kind === 'replay') {
          // The stored answer as one token event and its done event.
          const { answer, conversationId } = begun;
          const sse = createSseStream({ keepAliveMs: c.var.services.config.KEEPALIVE_SECONDS * 1000 });
          const stored = storedAnswer(conversationId, answer);
          void sse.send({ token: stored.response }).then(async () => {
            await sse.send({
              done: true,
              conversation_id: stored.conversation_id,
              message_id: stored.message_id,
              model: stored.model,
              finish_reason: stored.finish_reason,
              usage: stored.usage,
            });
            sse.close();
          });
          return c.body(sse.readable, 200, { ...sseHeaders, ...replayHeaders(conversationId, answer) });
        }
        const { turn } = begun;
        return streamAnswer(c, begun, {
          headers: { 'X-Conversation-Id': turn.conversationId },
          tokenEvent: tokenEventJson,
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
