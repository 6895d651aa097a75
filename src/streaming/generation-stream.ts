import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../logger.ts';
import type { ResolvedModel } from '../providers/model-registry.ts';
import { answerHeaders } from '../services/answer-headers.ts';
import type { AnswerStart, GenerationOutcome, GenerationSink } from '../services/generation.ts';
import type { ToolCallEvent } from '../services/tool-call-collector.ts';
import { createSseStream, sseHeaders } from './sse-stream.ts';

const noop = () => undefined;

export interface GenerationStreamOptions {
  /** The client request's signal. */
  signal: AbortSignal;
  /** KEEPALIVE_SECONDS: the longest silence on the stream, and the longest wait before it starts. */
  keepAliveMs: number;
  /** The model asked for (the first of its chain): what `X-Model` names when the stream starts before any model answered. */
  requestedModel: ResolvedModel;
  headers?: Record<string, string>;
  /** Builds the response through the framework so middleware headers (request id, CORS) apply. */
  respond(body: ReadableStream<Uint8Array>, headers: Record<string, string>): Response;
  /** Starts the model call with the given sink and signal. */
  run(sink: GenerationSink, signal: AbortSignal): Promise<GenerationOutcome>;
  /** The first event, sent when the upstream has answered (OpenAI's role chunk); none when absent. */
  startEvent?: (start: AnswerStart) => unknown;
  /** Several first events, sent after `startEvent` (the AI SDK UI stream's `start` and `text-start`). */
  startEvents?: (start: AnswerStart) => unknown[];
  /** The event for one piece of text, as JSON text (src/streaming/json-with-text.ts makes it cheap). */
  tokenEvent(text: string): string;
  /** The event for a tool call's start or a piece of its arguments (OpenAI's `delta.tool_calls`); none when absent. */
  toolCallEvent?: (event: ToolCallEvent) => unknown;
  /** Runs once per generation, before any terminal event or error response: persistence goes here. */
  settle(outcome: GenerationOutcome): Promise<void>;
  /** The last events of a complete generation. */
  doneEvents(outcome: GenerationOutcome): unknown[];
  /** Raw `data:` text sent after the done events (OpenAI's `[DONE]`). */
  endOfStream?: string;
  /** The event that ends a stream that failed after it started; the native `{error, code}` when absent. */
  errorEvent?: (error: AppError) => unknown;
  runInBackground(work: Promise<unknown>): void;
  logger: Logger;
}

/**
 * Streams a generation as SSE. The stream starts when the upstream has answered or, if it has not
 * within `keepAliveMs`, with the first `: keep-alive` comment: 200 and the headers then go out
 * without a model answer, so a proxy in front of this API (nginx's 60 s `proxy_read_timeout`,
 * Cloudflare's 100 s) does not cut a cold model load, which can take a minute before Ollama sends even
 * its headers. A failure before the stream started is an ordinary JSON error with its status (thrown
 * from here); after, it ends the stream with an `error` event and no `done`. Retries and fallbacks run
 * the same either way: the error event comes only when the whole chain failed. A client that
 * disconnects cancels the upstream call. `X-Model` (and `X-Fallback-Count`) name the model whose
 * answer started the stream, or the requested model when it started before any answer.
 */
export async function streamGeneration(options: GenerationStreamOptions): Promise<Response> {
  const clientGone = new AbortController();
  let markWaitedLong!: () => void;
  const waitedLong = new Promise<'waited'>((resolve) => {
    markWaitedLong = () => {
      resolve('waited');
    };
  });
  const sse = createSseStream({
    keepAliveMs: options.keepAliveMs,
    onCancel: () => {
      clientGone.abort();
    },
    // The first comment is sent only when nothing was for keepAliveMs: before an answer, that is the early start.
    onKeepAlive: () => {
      markWaitedLong();
    },
  });
  let answerStart: AnswerStart | undefined;
  let markStarted!: (start: AnswerStart) => void;
  const started = new Promise<'started'>((resolve) => {
    markStarted = (start) => {
      answerStart = start;
      // Sent at once: text may follow before the code awaiting `started` runs again.
      if (options.startEvent) void sse.send(options.startEvent(start));
      for (const event of options.startEvents?.(start) ?? []) void sse.send(event);
      resolve('started');
    };
  });
  const errorEvent = options.errorEvent ?? ((error: AppError) => ({ error: error.message, code: error.code }));
  const { toolCallEvent } = options;
  const generation = options.run(
    {
      onStart: markStarted,
      onText: (text) => sse.sendText(options.tokenEvent(text)),
      ...(toolCallEvent === undefined ? {} : { onToolCall: (event: ToolCallEvent) => sse.send(toolCallEvent(event)) }),
    },
    AbortSignal.any([options.signal, clientGone.signal]),
  );
  // Settles once, and is handed to the runtime at once: on Workers a client that leaves ends the
  // invocation, and waitUntil keeps the model call and the final write alive (RELIABILITY.md pitfall 3).
  const settled = generation.then(async (outcome) => {
    await options.settle(outcome);
    return outcome;
  });
  options.runInBackground(settled.then(noop, noop));

  const first = await Promise.race([started, waitedLong, generation.then(() => 'ended' as const)]);
  if (first === 'ended') {
    const outcome = await generation;
    if (!outcome.started) {
      sse.close();
      await settled;
      if (outcome.error) throw outcome.error;
      // The client left before the upstream answered: nobody reads this.
      return new Response(null, { status: 499 });
    }
  }

  options.runInBackground(
    generation.then(async (outcome) => {
      try {
        await settled;
        if (outcome.status === 'complete') {
          for (const event of options.doneEvents(outcome)) await sse.send(event);
          if (options.endOfStream !== undefined) await sse.sendText(options.endOfStream);
        } else if (outcome.error) await sse.send(errorEvent(outcome.error));
      } catch (error) {
        options.logger.error('could not settle a streamed generation', {
          error: error instanceof Error ? error.message : String(error),
        });
        await sse.send(errorEvent(new AppError('INTERNAL_ERROR', 'The answer could not be saved')));
      } finally {
        sse.close();
      }
    }),
  );
  const start = answerStart ?? { model: options.requestedModel, fallbackCount: 0 };
  return options.respond(sse.readable, { ...sseHeaders, ...options.headers, ...answerHeaders(start) });
}
