import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../logger.ts';
import type { CallFeatures } from '../providers/call-features.ts';
import type { GenerationParameters } from '../providers/model-provider.ts';
import type { ResolvedModel } from '../providers/model-registry.ts';
import type { CallResult, CircuitBreaker, CircuitPermit } from './circuit-breaker.ts';
import { runAttempt, type AttemptResult, type GenerationStatus } from './generation-attempt.ts';
import { defaultRetrySettings, delayBeforeRetry, sleep, type RetrySettings } from './retry-policy.ts';
import type { ConversationMessage } from './model-prompt.ts';
import type { ToolCallEvent } from './tool-call-collector.ts';

export type { GenerationStatus };

export interface GenerationInput {
  model: ResolvedModel;
  /** Models tried in order when `model` fails before any text (an alias's chain). */
  fallbacks?: readonly ResolvedModel[];
  system?: string | undefined;
  messages: ConversationMessage[];
  parameters: GenerationParameters;
  /** Tools, structured output, seed…: checked against each model's provider before the call (provider-capabilities.ts). */
  features?: CallFeatures | undefined;
  /** Who the caller says the end user is (OpenAI's `user`); carried to the outcome for the usage record. */
  user?: string | undefined;
  /** The client's signal: when it aborts, the upstream call is cancelled and the outcome is `aborted`. */
  signal: AbortSignal;
  /** Overrides every provider's own first-token limit. */
  firstTokenTimeoutMs?: number;
  /** The whole generation, retries and fallbacks included. */
  totalTimeoutMs: number;
  retry?: RetrySettings;
  logger?: Logger;
  /** The app's circuits: a model whose circuit is open is skipped (generation-service.ts passes it). */
  circuit?: CircuitBreaker | undefined;
}

/** Which model's answer starts the response, and after how many fallbacks. */
export interface AnswerStart {
  model: ResolvedModel;
  fallbackCount: number;
}

export interface GenerationSink {
  /** The upstream answered (its response headers arrived, or the first text did). Called once, before any text. */
  onStart?: (start: AnswerStart) => void;
  /** A piece of text; awaiting it applies the client's back-pressure to the upstream. */
  onText?: (text: string) => void | Promise<void>;
  /** A tool call starts or a piece of its arguments arrives; awaited like onText. */
  onToolCall?: (event: ToolCallEvent) => void | Promise<void>;
}

/**
 * What the last attempt ended with (its `started` says whether any attempt's upstream answered), and
 * how the whole generation went.
 */
export interface GenerationOutcome extends Pick<
  AttemptResult,
  'status' | 'started' | 'text' | 'toolCalls' | 'finishReason' | 'inputTokens' | 'outputTokens' | 'error'
> {
  /** The request's `user`, when it named one. */
  user: string | undefined;
  latencyMs: number;
  timeToFirstTokenMs: number | null;
  /** The model that answered (or, on failure, the last one tried). */
  model: ResolvedModel;
  /** How far down the fallback chain the answer came from (0: the requested model). */
  fallbackCount: number;
  /** Upstream calls made (retries and fallbacks included). */
  attempts: number;
}

const noText = () => undefined;
const unlimited: CircuitPermit = { allowed: true, probe: false };

/** The result when the deadline passed before an attempt could start. */
const outOfTime = (): AttemptResult => ({
  status: 'error',
  started: false,
  text: '',
  toolCalls: [],
  finishReason: null,
  inputTokens: null,
  outputTokens: null,
  error: new AppError('TIMEOUT', 'The model server did not answer in time'),
  retry: 'none',
  retryAfterMs: undefined,
  modelFault: false,
  firstTextAt: null,
});

/** The result when every model of the chain was skipped: their circuits are open, nothing was called. */
const circuitOpen = (retryInMs: number): AttemptResult => ({
  ...outOfTime(),
  error: new AppError('SERVICE_UNAVAILABLE', 'The model is failing; calls to it are paused for a while', {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryInMs / 1000))) },
  }),
});

const callResult = (result: AttemptResult): CallResult =>
  result.status === 'complete' ? 'success' : result.status === 'error' && result.modelFault ? 'failure' : 'neutral';

/**
 * The one retry layer. Runs the model, and when it fails before any text (nothing reached the client):
 * tries it again after a backoff (or the upstream's Retry-After) for passing faults, up to the
 * provider's attempts, then moves down the fallback chain; all inside the generation's total deadline.
 * The AI SDK's own retries stay off (`maxRetries: 0`), so upstream hits match this policy exactly.
 * A model whose circuit is open is not called at all: the chain moves on at once, and when every model
 * of it is skipped the answer is 503 with Retry-After (circuit-breaker.ts).
 * Every call path (JSON and SSE) uses it. It never throws.
 */
export async function runGeneration(input: GenerationInput, sink: GenerationSink = {}): Promise<GenerationOutcome> {
  const startedAt = performance.now();
  const deadline = startedAt + input.totalTimeoutMs;
  const chain = [input.model, ...(input.fallbacks ?? [])];
  const settings = input.retry ?? defaultRetrySettings;
  let model = input.model;
  let fallbackCount = 0;
  let attempts = 0;
  let started = false;
  const hooks = {
    onStart: () => {
      if (started) return;
      started = true;
      sink.onStart?.({ model, fallbackCount });
    },
    onText: sink.onText ?? noText,
    onToolCall: sink.onToolCall,
  };

  // Built only when needed: an AppError captures a stack trace, which is not free on every request.
  let result: AttemptResult | undefined;
  const { circuit } = input;
  /** The soonest an open circuit of the chain lets a probe through. */
  let skippedRetryInMs: number | undefined;
  chain: for (const [index, candidate] of chain.entries()) {
    const { limits } = candidate.provider;
    for (let attempt = 1; ; attempt += 1) {
      if (deadline - performance.now() <= 0) {
        result = outOfTime();
        break chain;
      }
      const permit = circuit?.admit(candidate) ?? unlimited;
      if (!permit.allowed) {
        skippedRetryInMs = Math.min(skippedRetryInMs ?? Infinity, permit.retryInMs);
        break;
      }
      model = candidate;
      fallbackCount = index;
      // A time limit before the first token moves down the chain, so on the last model after a failure
      // nothing is left to move to: it gets the time that is left (RELIABILITY.md case 6).
      const lastChance =
        attempts > 0 && !chain.some((later, laterIndex) => laterIndex > index && (circuit?.allows(later) ?? true));
      const firstTokenTimeoutMs = input.firstTokenTimeoutMs ?? limits.firstTokenTimeoutMs;
      result = await runAttempt(
        {
          model: candidate,
          system: input.system,
          messages: input.messages,
          parameters: input.parameters,
          features: input.features,
          signal: input.signal,
          deadline,
          headersTimeoutMs: lastChance ? Infinity : Math.min(limits.headersTimeoutMs, firstTokenTimeoutMs),
          firstTokenTimeoutMs: lastChance ? Infinity : firstTokenTimeoutMs,
          tokenGapTimeoutMs: limits.tokenGapTimeoutMs,
        },
        hooks,
      );
      attempts += 1;
      circuit?.record(candidate, permit, callResult(result));
      if (result.status !== 'error' || result.retry === 'none') break chain;
      input.logger?.warn('model call failed', { model: candidate.id, attempt, code: result.error?.code, next: result.retry });
      if (result.retry === 'next' || attempt >= limits.maxAttempts) break;
      const delay = delayBeforeRetry(result.retryAfterMs, attempt, settings, deadline - performance.now());
      if (delay === undefined) break;
      if (!(await sleep(delay, input.signal))) {
        result = { ...result, status: 'aborted', error: undefined };
        break chain;
      }
    }
  }
  result ??= skippedRetryInMs === undefined ? outOfTime() : circuitOpen(skippedRetryInMs);

  return {
    status: result.status,
    started,
    text: result.text,
    toolCalls: result.toolCalls,
    finishReason: result.status === 'complete' ? result.finishReason : result.status === 'aborted' ? 'aborted' : 'error',
    inputTokens: result.inputTokens,
    outputTokens: result.outputTokens,
    error: result.error,
    user: input.user,
    latencyMs: performance.now() - startedAt,
    timeToFirstTokenMs: result.firstTextAt === null ? null : result.firstTextAt - startedAt,
    model,
    fallbackCount,
    attempts,
  };
}
