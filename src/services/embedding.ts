import type { Services } from '../app-env.ts';
import { AppError } from '../errors/app-error.ts';
import { classifyUpstreamFailure, type UpstreamFailure } from '../errors/upstream-error.ts';
import type { ModelRoute, ResolvedModel } from '../providers/model-registry.ts';
import { capableRoute, providerCapabilities } from '../providers/provider-capabilities.ts';
import { delayBeforeRetry, retrySettings, sleep } from './retry-policy.ts';

export interface EmbeddingRequest {
  model: string;
  values: string[];
  dimensions?: number | undefined;
  /** OpenAI's `user`: carried to the outcome for the usage record. */
  user?: string | undefined;
}

/** How an embedding call went: what the usage record needs. Embeddings do not stream. */
export interface EmbeddingOutcome {
  status: 'complete';
  /** The model that answered. */
  model: ResolvedModel;
  embeddings: number[][];
  /** What the upstream reported; null when it did not. */
  inputTokens: number | null;
  user: string | undefined;
  latencyMs: number;
  /** Upstream calls made (retries and fallbacks included). */
  attempts: number;
  fallbackCount: number;
}

/** An embedding call that ended without embeddings: the client left, or every attempt failed. */
export interface EmbeddingFailure {
  status: 'aborted' | 'error';
  /** The failure to answer with (undefined when the client left). */
  error: AppError | undefined;
  /** The last model tried. */
  model: ResolvedModel;
  latencyMs: number;
  attempts: number;
}

const noEmbeddings = (model: ResolvedModel) =>
  providerCapabilities[model.provider.kind].embeddings && model.provider.embeddingModel !== undefined
    ? undefined
    : { param: 'model', message: `${model.provider.kind} models do not make embeddings` };

/**
 * Embeds the values with the requested model, under the same rules as a generation (generation.ts):
 * the same model names, aliases and fallback chains, retries of passing faults with backoff within the
 * provider's attempts, the next model of the chain for faults of this provider, all within
 * REQUEST_TIMEOUT_SECONDS. The route comes resolved (the caller's model list checked); a model whose
 * provider has no embeddings is 400 naming `model` (and is left out of a chain). Never throws once
 * called: a failure, or the client leaving, is the result.
 */
export const embeddingRoute = (requested: ModelRoute): ModelRoute => capableRoute(requested, noEmbeddings);

export async function runEmbedding(
  services: Pick<Services, 'config' | 'logger'>,
  route: ModelRoute,
  request: EmbeddingRequest,
  signal: AbortSignal,
): Promise<EmbeddingOutcome | EmbeddingFailure> {
  const { config, logger } = services;
  const startedAt = performance.now();
  const deadline = AbortSignal.timeout(config.REQUEST_TIMEOUT_SECONDS * 1000);
  const callSignal = AbortSignal.any([signal, deadline]);
  const settings = retrySettings(config);
  let attempts = 0;
  let failure: AppError = new AppError('TIMEOUT', 'The model server did not answer in time');
  let tried = route.model;
  const failed = (status: EmbeddingFailure['status']): EmbeddingFailure => ({
    status,
    error: status === 'error' ? failure : undefined,
    model: tried,
    latencyMs: performance.now() - startedAt,
    attempts,
  });
  for (const [fallbackCount, candidate] of [route.model, ...route.fallbacks].entries()) {
    const model = candidate.provider.embeddingModel?.(candidate.modelName);
    if (model === undefined) continue;
    tried = candidate;
    for (let attempt = 1; attempt <= candidate.provider.limits.maxAttempts; attempt += 1) {
      attempts += 1;
      try {
        const result = await model.doEmbed({
          values: request.values,
          ...(request.dimensions === undefined ? {} : { dimensions: request.dimensions }),
          abortSignal: callSignal,
        });
        return {
          status: 'complete',
          model: candidate,
          embeddings: result.embeddings,
          inputTokens: result.usage?.tokens ?? null,
          user: request.user,
          latencyMs: performance.now() - startedAt,
          attempts,
          fallbackCount,
        };
      } catch (error) {
        if (signal.aborted) return failed('aborted');
        const classified: UpstreamFailure = deadline.aborted
          ? { error: new AppError('TIMEOUT', 'The model server did not answer in time'), retry: 'none' }
          : classifyUpstreamFailure(error);
        failure = classified.error;
        logger.warn('embedding call failed', { model: candidate.id, attempt, code: failure.code, next: classified.retry });
        if (classified.retry === 'none') return failed('error');
        if (classified.retry === 'next') break;
        const remainingMs = startedAt + config.REQUEST_TIMEOUT_SECONDS * 1000 - performance.now();
        const delay = delayBeforeRetry(classified.retryAfterMs, attempt, settings, remainingMs);
        if (delay === undefined || attempt === candidate.provider.limits.maxAttempts) break;
        if (!(await sleep(delay, signal))) return failed('aborted');
      }
    }
  }
  return failed('error');
}
