import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { chatRequestSchema, chatResponseSchema } from '../schemas/chat.ts';
import { errorResponses, errorSchema, jsonBody, jsonContent, sseContent, type InputLimits } from '../schemas/common.ts';
import { answerHeaders } from '../services/answer-headers.ts';
import type { MessageRow } from '../db/schema.ts';
import { runGeneration, type GenerationOutcome } from '../services/generation.ts';
import { streamGeneration } from '../streaming/generation-stream.ts';
import { createSseStream, sseHeaders } from '../streaming/sse-stream.ts';

const noop = () => undefined;
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

export function registerChatRoutes(app: OpenAPIHono<AppEnv>, limits: InputLimits): void {
  const body = jsonBody(chatRequestSchema(limits));

  app.openapi(
    createRoute({
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
      const { chat } = c.var.services;
      const begun = await chat.begin(c.var.ownerId, c.req.valid('json'), c.req.raw.signal);
      if (begun.kind === 'replay')
        return c.json(storedAnswer(begun.conversationId, begun.answer), 200, replayHeaders(begun.conversationId, begun.answer));
      const { turn } = begun;
      const settled = runGeneration(chat.generationInput(turn, c.req.raw.signal)).then(async (outcome) => ({
        outcome,
        timestamp: await chat.finish(turn, outcome),
      }));
      // On Workers a client that leaves ends the invocation: waitUntil keeps the model call and the
      // final write alive (RELIABILITY.md pitfall 3). A failure still reaches onError through the await.
      c.var.runInBackground(settled.then(noop, noop));
      const { outcome, timestamp } = await settled;
      if (outcome.error) throw outcome.error;
      return c.json(
        {
          conversation_id: turn.conversationId,
          message_id: turn.assistantMessageId,
          response: outcome.text,
          model: outcome.model.id,
          finish_reason: outcome.finishReason,
          usage: usageOf(outcome),
          // When the answer was stored: a retry with the same message_id gets the same body.
          timestamp,
        },
        200,
        answerHeaders(outcome),
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/chat/stream',
      tags: ['Chat'],
      summary: 'Send a message and stream the answer as Server-Sent Events',
      description:
        'Events: `data: {"token":"…"}` per piece of text, then `data: {"done":true,"conversation_id","message_id","model","finish_reason","usage"}`. ' +
        'A `: keep-alive` comment goes out when nothing was sent for KEEPALIVE_SECONDS. Errors before the stream starts are JSON errors; ' +
        'after, the stream ends with `data: {"error":"…","code":"…"}` and no done event. A disconnect cancels the model call and stores the partial answer as aborted. ' +
        '`X-Model` (and `X-Fallback-Count`) name the model whose response started the stream; the done event names the model that answered. ' +
        messageFieldsDescription +
        ' A replayed complete turn streams as one token event with the whole answer and its done event.',
      request: { body },
      responses: { 200: sseContent('The answer as SSE'), 409: conflictResponse, ...errorResponses },
    }),
    async (c) => {
      const { chat, config, logger } = c.var.services;
      const begun = await chat.begin(c.var.ownerId, c.req.valid('json'), c.req.raw.signal);
      if (begun.kind === 'replay') {
        // The stored answer as one token event and its done event.
        const { answer, conversationId } = begun;
        const sse = createSseStream({ keepAliveMs: config.KEEPALIVE_SECONDS * 1000 });
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
      return streamGeneration({
        signal: c.req.raw.signal,
        keepAliveMs: config.KEEPALIVE_SECONDS * 1000,
        headers: { 'X-Conversation-Id': turn.conversationId },
        respond: (stream, headers) => c.body(stream, 200, headers),
        run: (sink, signal) => runGeneration(chat.generationInput(turn, signal), sink),
        tokenEvent: (text) => ({ token: text }),
        settle: async (outcome) => {
          await chat.finish(turn, outcome);
        },
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
        runInBackground: c.var.runInBackground,
        logger,
      });
    },
  );
}
