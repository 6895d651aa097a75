import type { EmbeddingModelV4 } from '@ai-sdk/provider';
import { createOllama } from 'ollama-ai-provider-v2';
import type { ProviderConfig } from '../config/provider-settings.ts';
import { featureCallOptions, type CallFeatures } from './call-features.ts';
import type { CallObserver, GenerationParameters, ModelInfo, ModelProvider } from './model-provider.ts';
import { providerCapabilities } from './provider-capabilities.ts';
import { startOllamaPull } from './ollama-pull.ts';
import { ollamaNdjsonStream } from './ollama-stream-guard.ts';
import { observedModel, reusedModels } from './reused-models.ts';
import { createUpstreamTransport } from './upstream-fetch.ts';
import { checkHealth, getUpstreamJson } from './upstream-json.ts';

export interface OllamaProviderOptions {
  /** Ollama's own address, without `/api` (e.g. http://localhost:11434), without credentials. */
  baseUrl: string;
  name?: string;
  headers?: Record<string, string>;
  limits?: ProviderConfig['limits'];
  fetch?: typeof fetch;
}

interface OllamaTagsResponse {
  models?: { name: string; modified_at?: string; size?: number; details?: Record<string, unknown> }[];
}

const defaultLimits: ProviderConfig['limits'] = {
  headersTimeoutMs: 60_000,
  firstTokenTimeoutMs: 60_000,
  tokenGapTimeoutMs: 30_000,
  maxAttempts: 1,
};

export function createOllamaProvider(options: OllamaProviderOptions): ModelProvider {
  const name = options.name ?? 'ollama';
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const headers = options.headers ?? {};
  // The NDJSON guard turns what Ollama's provider would take for a complete answer (an error line
  // with status 200, a cut body, another server's lines) into failures.
  const transport = createUpstreamTransport(ollamaNdjsonStream, options.fetch);

  const silentObserver: CallObserver = {
    onResponse: () => undefined,
    onAnswerStart: () => undefined,
    onStreamFailure: () => undefined,
  };
  // Built once: models are reused for every call (src/providers/reused-models.ts).
  const ollama = createOllama({ baseURL: `${baseUrl}/api`, headers, fetch: transport.sharedFetch });
  const models = reusedModels((modelName) => ollama(modelName));
  const embeddings = reusedModels((modelName) =>
    createOllama({ baseURL: `${baseUrl}/api`, headers, fetch: transport.observed(silentObserver) }).embedding(modelName),
  );
  const limits = options.limits ?? defaultLimits;

  return {
    name,
    kind: 'ollama',
    limits,
    models: undefined,
    languageModel(modelName, observer) {
      return observedModel(models(modelName), transport, observer);
    },
    embeddingModel(modelName): EmbeddingModelV4 {
      const model = embeddings(modelName);
      // Ollama's /api/embed takes `dimensions`, which the provider reads from its own options only.
      return {
        specificationVersion: 'v4',
        provider: model.provider,
        modelId: model.modelId,
        maxEmbeddingsPerCall: model.maxEmbeddingsPerCall,
        supportsParallelCalls: model.supportsParallelCalls,
        doEmbed: ({ dimensions, providerOptions, ...options }) =>
          model.doEmbed({
            ...options,
            providerOptions: dimensions === undefined ? (providerOptions ?? {}) : { ...providerOptions, ollama: { dimensions } },
          }),
      };
    },
    callSettings(parameters: GenerationParameters, features: CallFeatures = {}) {
      // ollama-ai-provider-v2 sends temperature/top_p/max tokens at the top level of /api/chat, where
      // Ollama ignores them, and drops stop sequences; Ollama reads them from `options`.
      const ollamaOptions: Record<string, number | string[]> = {};
      if (parameters.temperature !== undefined) ollamaOptions['temperature'] = parameters.temperature;
      if (parameters.topP !== undefined) ollamaOptions['top_p'] = parameters.topP;
      if (parameters.maxOutputTokens !== undefined) ollamaOptions['num_predict'] = parameters.maxOutputTokens;
      if (parameters.stopSequences !== undefined && parameters.stopSequences.length > 0)
        ollamaOptions['stop'] = parameters.stopSequences;
      // The provider warns that it ignores a top-level seed; Ollama reads it from `options` too.
      if (features.seed !== undefined) ollamaOptions['seed'] = features.seed;
      // /api/chat has no tool_choice: "none" is kept by sending no tools.
      const standard = featureCallOptions(
        { ...features, seed: undefined },
        { omitToolsForNone: !providerCapabilities.ollama.toolChoiceNone },
      );
      return { ...standard, providerOptions: { ollama: { options: ollamaOptions } } };
    },
    async listModels(signal) {
      const tags = await getUpstreamJson<OllamaTagsResponse>(transport.fetch, `${baseUrl}/api/tags`, headers, signal);
      return (tags.models ?? []).map((model): ModelInfo => ({
        name: `${name}/${model.name}`,
        provider: name,
        ...(model.modified_at === undefined ? {} : { modified_at: model.modified_at }),
        ...(model.size === undefined ? {} : { size: model.size, size_bytes: model.size }),
        ...(model.details === undefined ? {} : { details: model.details }),
      }));
    },
    health(signal) {
      return checkHealth(() => getUpstreamJson(transport.fetch, `${baseUrl}/api/version`, headers, signal));
    },
    pull(modelName, signal) {
      return startOllamaPull(
        { fetch: transport.fetch, baseUrl, headers, headersTimeoutMs: limits.headersTimeoutMs },
        modelName,
        signal,
      );
    },
  };
}
