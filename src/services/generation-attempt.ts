import { AppError, type ErrorCode } from '../errors/app-error.ts';
import { classifyUpstreamFailure, type RetryDisposition } from '../errors/upstream-error.ts';
import type { CallFeatures } from '../providers/call-features.ts';
import type { GenerationParameters } from '../providers/model-provider.ts';
import type { ResolvedModel } from '../providers/model-registry.ts';
import { providerCapabilities } from '../providers/provider-capabilities.ts';
import { UpstreamStreamError } from '../providers/upstream-stream-error.ts';
import { droppedFeature } from './dropped-features.ts';
import { toModelPrompt, type ConversationMessage, type ToolCall } from './model-prompt.ts';
import { ToolCallCollector, type ToolCallEvent } from './tool-call-collector.ts';

export type GenerationStatus = 'complete' | 'aborted' | 'error';

/** Why an attempt was stopped from here: the client left, or one of its time limits passed. */
type StopReason = 'client' | 'headers' | 'first-token' | 'token-gap' | 'deadline';

export interface AttemptRequest {
  model: ResolvedModel;
  system?: string | undefined;
  messages: ConversationMessage[];
  parameters: GenerationParameters;
  /** Tools, structured output and other OpenAI fields, already checked against the provider's capabilities. */
  features?: CallFeatures | undefined;
  /** The client's signal. */
  signal: AbortSignal;
  /** `performance.now()` after which the whole generation is over (retries included). */
  deadline: number;
  headersTimeoutMs: number;
  firstTokenTimeoutMs: number;
  tokenGapTimeoutMs: number;
}

export interface AttemptHooks {
  /** A usable response started (headers of a model answer, or its first text). */
  onStart(): void;
  onText(text: string): void | Promise<void>;
  /** A tool call starts, or a piece of its arguments arrives. */
  onToolCall?: ((event: ToolCallEvent) => void | Promise<void>) | undefined;
}

export interface AttemptResult {
  status: GenerationStatus;
  started: boolean;
  text: string;
  /** The tool calls the model asked for, with their whole arguments. */
  toolCalls: ToolCall[];
  finishReason: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  error: AppError | undefined;
  /** What may follow a failure; always 'none' once text or a tool call was received (it may have reached the client). */
  retry: RetryDisposition;
  retryAfterMs: number | undefined;
  /**
   * The failure says the model cannot serve now (a 5xx, a dropped or refused connection, a time limit
   * before or between tokens): what counts for its circuit. Not for a request it refused (400), a model
   * it does not have, the client leaving or the generation's own deadline.
   */
  modelFault: boolean;
  /** `performance.now()` of the first text, or null. */
  firstTextAt: number | null;
}

/** Failures that say the request is wrong for this model, not that the model is failing. */
const requestFaults = new Set<ErrorCode>(['INVALID_INPUT', 'NOT_FOUND']);

const timeoutMessages: Record<Exclude<StopReason, 'client'>, string> = {
  headers: 'The model server did not send response headers in time',
  'first-token': 'The model server did not start answering in time',
  'token-gap': 'The model server stopped sending the answer',
  deadline: 'The model server did not answer in time',
};

/**
 * One call of one model through the provider's own doStream, with its own time limits: to the
 * response headers, to the first token, between tokens, and the generation's deadline. It reads the
 * whole stream itself (onFinish does not run on abort, RELIABILITY.md pitfall 1) and never throws.
 */
export async function runAttempt(request: AttemptRequest, hooks: AttemptHooks): Promise<AttemptResult> {
  const controller = new AbortController();
  let stopReason: StopReason | undefined;
  const stop = (reason: StopReason) => {
    stopReason ??= reason;
    controller.abort();
  };
  const onClientAbort = () => {
    stop('client');
  };
  const remainingMs = request.deadline - performance.now();
  // A limit that would end after the deadline is left to the deadline (which is final: no retry follows it).
  const limit = (milliseconds: number, reason: StopReason) =>
    milliseconds < remainingMs ? setTimeout(stop, milliseconds, reason) : undefined;
  let headersTimer = limit(request.headersTimeoutMs, 'headers');
  const firstTokenTimer = limit(request.firstTokenTimeoutMs, 'first-token');
  const deadlineTimer = setTimeout(stop, Math.max(0, remainingMs), 'deadline');
  if (request.signal.aborted) onClientAbort();
  else request.signal.addEventListener('abort', onClientAbort, { once: true });

  // The gap timer is re-armed only when it fires, not per token: a token just updates lastActivityAt.
  const gapMs = request.tokenGapTimeoutMs;
  let gapTimer: ReturnType<typeof setTimeout> | undefined;
  let lastActivityAt = 0;
  let waitingForClient = false;
  const checkGap = () => {
    const idleMs = performance.now() - lastActivityAt;
    if (!waitingForClient && idleMs >= gapMs) stop('token-gap');
    else gapTimer = setTimeout(checkGap, waitingForClient ? gapMs : gapMs - idleMs);
  };
  /** The first output: the limits before it stop, the gap limit starts. */
  const startGapLimit = () => {
    lastActivityAt = performance.now();
    clearTimeout(firstTokenTimer);
    clearTimeout(headersTimer);
    gapTimer = setTimeout(checkGap, gapMs);
  };

  let started = false;
  const markStarted = () => {
    if (started) return;
    started = true;
    hooks.onStart();
  };
  const texts: string[] = [];
  let firstTextAt: number | null = null;
  /** The first output (text or a tool call): the answer has started and the first-token limit stops. */
  const markOutput = () => {
    if (firstTextAt === null) {
      firstTextAt = performance.now();
      markStarted();
    }
    if (gapTimer === undefined) startGapLimit();
  };
  /**
   * Awaits the client (back-pressure) without that wait counting as upstream silence. A hook that did
   * not have to wait returns nothing, and then neither does this: no promise, no microtask per token.
   */
  const deliver = (work: void | Promise<void>): void | Promise<void> => {
    if (work === undefined) {
      lastActivityAt = performance.now();
      return;
    }
    waitingForClient = true;
    return work.then(() => {
      waitingForClient = false;
      lastActivityAt = performance.now();
    });
  };
  const toolCalls = new ToolCallCollector(async (event) => {
    await deliver(hooks.onToolCall?.(event));
  });
  let finishReason: string | null = null;
  let inputTokens: number | null = null;
  let outputTokens: number | null = null;
  let failure: unknown;
  let streamFailure: Error | undefined;

  try {
    const { model } = request;
    const languageModel = model.provider.languageModel(model.modelName, {
      onResponse: () => {
        clearTimeout(headersTimer);
        headersTimer = undefined;
      },
      onAnswerStart: markStarted,
      onStreamFailure: (error) => {
        streamFailure ??= error;
      },
    });
    // The provider's own doStream, not streamText: streamText's step, tool and telemetry layers cost
    // about 1.5 ms of CPU per call here (bench/, README "Performance") and this API uses none of them.
    // Retries are this module's caller's; the provider does none of its own.
    const imageMode = providerCapabilities[model.provider.kind].fetchesImageUrls ? 'url' : 'inline';
    const { stream } = await languageModel.doStream({
      prompt: toModelPrompt(request.system, request.messages, imageMode),
      ...model.provider.callSettings(request.parameters, request.features),
      abortSignal: controller.signal,
    });
    const reader = stream.getReader();
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      const part = next.value;
      if (part.type === 'text-delta') {
        if (part.delta === '') continue;
        markOutput();
        texts.push(part.delta);
        const delivered = deliver(hooks.onText(part.delta));
        if (delivered !== undefined) await delivered;
      } else if (part.type === 'tool-input-start' || part.type === 'tool-input-delta' || part.type === 'tool-call') {
        markOutput();
        await toolCalls.add(part);
      } else if (part.type === 'stream-start') {
        const dropped = droppedFeature(part.warnings, request.features);
        if (dropped !== undefined) {
          // No text went out yet: the answer is refused (or left to a fallback) rather than given without the feature.
          failure ??= dropped;
          controller.abort();
          await reader.cancel().catch(() => undefined);
          break;
        }
      } else if (part.type === 'reasoning-delta') {
        if (gapTimer === undefined) startGapLimit();
        else lastActivityAt = performance.now();
      } else if (part.type === 'finish') {
        finishReason = part.finishReason.unified;
        inputTokens = part.usage.inputTokens.total ?? null;
        outputTokens = part.usage.outputTokens.total ?? null;
      } else if (part.type === 'error') {
        failure ??= part.error;
      }
    }
  } catch (error) {
    failure ??= error;
  } finally {
    failure ??= streamFailure;
    clearTimeout(headersTimer);
    clearTimeout(firstTokenTimer);
    clearTimeout(deadlineTimer);
    clearTimeout(gapTimer);
    request.signal.removeEventListener('abort', onClientAbort);
  }
  // OpenAI's and Anthropic's SDKs report a stream that ended without its finish as 'interrupted'.
  if (failure === undefined && finishReason === 'interrupted')
    failure = new UpstreamStreamError('The model server ended the answer before it was complete', 'truncated');

  const textReceived = texts.length > 0 || toolCalls.calls.length > 0;
  const result: AttemptResult = {
    status: 'complete',
    started,
    text: texts.join(''),
    toolCalls: toolCalls.calls,
    finishReason,
    inputTokens,
    outputTokens,
    error: undefined,
    retry: 'none',
    retryAfterMs: undefined,
    modelFault: false,
    firstTextAt,
  };
  if (stopReason === 'client') {
    result.status = 'aborted';
  } else if (stopReason !== undefined) {
    result.status = 'error';
    result.error = new AppError('TIMEOUT', timeoutMessages[stopReason]);
    // Waiting for a model that has not started is what fallbacks are for; a deadline is final.
    result.retry = !textReceived && stopReason !== 'deadline' ? 'next' : 'none';
    result.modelFault = stopReason !== 'deadline';
  } else if (failure !== undefined) {
    const classified = classifyUpstreamFailure(failure, { started });
    result.status = 'error';
    result.error = classified.error;
    result.retry = textReceived ? 'none' : classified.retry;
    result.retryAfterMs = classified.retryAfterMs;
    // What the failure would allow before any text: a fault that moves on is the model's (after text too).
    result.modelFault = classified.retry !== 'none' && !requestFaults.has(classified.error.code);
  }
  return result;
}
