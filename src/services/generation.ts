import { streamText, type ModelMessage } from 'ai';
import { AppError } from '../errors/app-error.ts';
import { toUpstreamError } from '../errors/upstream-error.ts';
import type { GenerationParameters } from '../providers/model-provider.ts';
import type { ResolvedModel } from '../providers/model-registry.ts';

export interface GenerationInput {
  model: ResolvedModel;
  system?: string | undefined;
  messages: ModelMessage[];
  parameters: GenerationParameters;
  /** The client's signal: when it aborts, the upstream call is cancelled and the outcome is `aborted`. */
  signal: AbortSignal;
  firstTokenTimeoutMs: number;
  totalTimeoutMs: number;
}

export interface GenerationSink {
  /** The upstream answered (its response headers arrived, or the first text did). Called once, before any text. */
  onStart?(): void;
  /** A piece of text; awaiting it applies the client's back-pressure to the upstream. */
  onText?(text: string): void | Promise<void>;
}

export type GenerationStatus = 'complete' | 'aborted' | 'error';

export interface GenerationOutcome {
  status: GenerationStatus;
  /** Whether the upstream had answered before the generation ended. */
  started: boolean;
  text: string;
  finishReason: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  error: AppError | undefined;
  latencyMs: number;
  timeToFirstTokenMs: number | null;
}

/**
 * Runs one model call through the AI SDK's streamText and always settles with an outcome; it never
 * throws. Every call path (JSON and SSE) uses it, so timeouts, aborts and error mapping are the same
 * everywhere. It reads the full stream itself instead of relying on onFinish, which does not run on
 * abort (RELIABILITY.md pitfall 1).
 */
export async function runGeneration(input: GenerationInput, sink: GenerationSink = {}): Promise<GenerationOutcome> {
  const controller = new AbortController();
  let stopReason: 'client' | 'timeout' | undefined;
  const stop = (reason: 'client' | 'timeout') => {
    stopReason ??= reason;
    controller.abort();
  };
  const onClientAbort = () => {
    stop('client');
  };
  const startedAt = performance.now();
  const firstTokenTimer = setTimeout(stop, input.firstTokenTimeoutMs, 'timeout');
  const totalTimer = setTimeout(stop, input.totalTimeoutMs, 'timeout');
  if (input.signal.aborted) onClientAbort();
  else input.signal.addEventListener('abort', onClientAbort, { once: true });

  let started = false;
  const markStarted = () => {
    if (started) return;
    started = true;
    sink.onStart?.();
  };
  const texts: string[] = [];
  let timeToFirstTokenMs: number | null = null;
  let finishReason: string | null = null;
  let inputTokens: number | null = null;
  let outputTokens: number | null = null;
  let failure: unknown;
  let streamFailure: Error | undefined;

  try {
    const result = streamText({
      model: input.model.provider.languageModel(input.model.modelName, {
        onResponseHeaders: markStarted,
        onStreamFailure: (error) => {
          streamFailure ??= error;
        },
      }),
      ...(input.system === undefined ? {} : { instructions: input.system }),
      messages: input.messages,
      providerOptions: input.model.provider.providerOptions(input.parameters),
      maxRetries: 0,
      abortSignal: controller.signal,
      onError: () => {
        // Errors arrive as 'error' parts below; the default handler would log them raw.
      },
    });
    for await (const part of result.stream) {
      if (part.type === 'text-delta') {
        if (part.text === '') continue;
        if (timeToFirstTokenMs === null) {
          timeToFirstTokenMs = performance.now() - startedAt;
          clearTimeout(firstTokenTimer);
          markStarted();
        }
        texts.push(part.text);
        await sink.onText?.(part.text);
      } else if (part.type === 'finish') {
        finishReason = part.finishReason;
        inputTokens = part.totalUsage.inputTokens ?? null;
        outputTokens = part.totalUsage.outputTokens ?? null;
      } else if (part.type === 'error') {
        failure ??= part.error;
      }
    }
  } catch (error) {
    failure ??= error;
  } finally {
    failure ??= streamFailure;
    clearTimeout(firstTokenTimer);
    clearTimeout(totalTimer);
    input.signal.removeEventListener('abort', onClientAbort);
  }

  let status: GenerationStatus = 'complete';
  let error: AppError | undefined;
  if (stopReason === 'client') {
    status = 'aborted';
  } else if (stopReason === 'timeout') {
    status = 'error';
    error = new AppError('TIMEOUT', 'The model server did not answer in time');
  } else if (failure !== undefined) {
    status = 'error';
    error = toUpstreamError(failure, { started });
  }
  return {
    status,
    started,
    text: texts.join(''),
    finishReason: status === 'complete' ? finishReason : status === 'aborted' ? 'aborted' : 'error',
    inputTokens,
    outputTokens,
    error,
    latencyMs: performance.now() - startedAt,
    timeToFirstTokenMs,
  };
}
