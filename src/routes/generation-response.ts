import type { Context } from 'hono';
import { routePath } from 'hono/route';
import type { AppEnv } from '../app-env.ts';
import { answerHeaders } from '../services/answer-headers.ts';
import type { Generation, GenerationContext } from '../services/generation-service.ts';
import type { GenerationOutcome } from '../services/generation.ts';
import type { StatelessRequest } from '../services/stateless-generation.ts';
import { streamGeneration, type GenerationStreamOptions } from '../streaming/generation-stream.ts';
import { jsonWithText } from '../streaming/json-with-text.ts';

/** `{"response": text}`, the event for a piece of text of /api/generate and the compatibility routes. */
export const responseEventJson = jsonWithText((text) => ({ response: text }));

/** How a route frames its stream: its event shapes (the rest is the generation's). */
export type StreamEvents = Pick<
  GenerationStreamOptions,
  'startEvent' | 'startEvents' | 'tokenEvent' | 'toolCallEvent' | 'doneEvents' | 'endOfStream' | 'errorEvent' | 'headers'
>;

/** The generation's context from the request: the caller, the route pattern, the client's address, the access log's record. */
export function generationContext(c: Context<AppEnv>, streaming: boolean, endUser?: string): GenerationContext {
  const record = c.var.requestRecord;
  return {
    caller: c.var.caller,
    route: routePath(c),
    requestId: c.var.requestId,
    clientAddress: c.var.services.clientAddress(c),
    streaming,
    signal: c.req.raw.signal,
    endUser,
    runInBackground: c.var.runInBackground,
    onSettled: (event) => {
      record.generation = event;
    },
  };
}

/**
 * Runs an admitted generation to its end for a JSON answer and sets the headers naming the model (and
 * the rate limits); throws its error for onError, after it settled (the 429/5xx also carries the limits).
 */
export async function runWhole(c: Context<AppEnv>, generation: Generation): Promise<GenerationOutcome> {
  for (const [name, value] of Object.entries(generation.headers)) c.header(name, value);
  const outcome = await generation.run({}, c.req.raw.signal);
  await generation.settled;
  if (outcome.error) throw outcome.error;
  for (const [name, value] of Object.entries(answerHeaders(outcome))) c.header(name, value);
  return outcome;
}

/** Streams an admitted generation as SSE with the route's event shapes (src/streaming/generation-stream.ts). */
export function streamAnswer(c: Context<AppEnv>, generation: Generation, events: StreamEvents): Promise<Response> {
  const { config, logger } = c.var.services;
  return streamGeneration({
    signal: c.req.raw.signal,
    keepAliveMs: config.KEEPALIVE_SECONDS * 1000,
    requestedModel: generation.route.model,
    respond: (stream, headers) => c.body(stream, 200, headers),
    run: (sink, signal) => {
      const outcome = generation.run(sink, signal);
      // The access log line of a stream is written when it settled.
      c.var.requestRecord.settling = generation.settled;
      return outcome;
    },
    settle: async () => {
      await generation.settled;
    },
    runInBackground: c.var.runInBackground,
    logger,
    ...events,
    headers: { ...generation.headers, ...events.headers },
  });
}

/** A one-shot generation answered as JSON. */
export async function generateWhole(c: Context<AppEnv>, request: StatelessRequest, endUser?: string) {
  const generation = await c.var.services.generations.stateless(generationContext(c, false, endUser), request);
  const outcome = await runWhole(c, generation);
  return { model: outcome.model, outcome };
}

/** A one-shot generation streamed as SSE. */
export async function streamStateless(
  c: Context<AppEnv>,
  request: StatelessRequest,
  events: StreamEvents,
  endUser?: string,
): Promise<Response> {
  const generation = await c.var.services.generations.stateless(generationContext(c, true, endUser), request);
  return streamAnswer(c, generation, events);
}
