import type { EmbeddingModelV4, LanguageModelV4 } from '@ai-sdk/provider';
import type { ProviderConfig } from '../config/provider-settings.ts';
import type { CallFeatures } from './call-features.ts';
import type { StreamFormat } from './stream-format.ts';
import {
  standardCallSettings,
  type CallObserver,
  type ModelInfo,
  type ModelProvider,
  type ProviderOptions,
} from './model-provider.ts';
import { observedModel, reusedModels } from './reused-models.ts';
import { createUpstreamTransport } from './upstream-fetch.ts';
import { checkHealth, getUpstreamJson } from './upstream-json.ts';

export interface CloudProviderParts {
  /** Builds the AI SDK model of a name, once: it is reused for every call (its fetch reports to each call's observer). */
  model: (modelName: string, fetchForModel: typeof fetch) => LanguageModelV4;
  /** Builds the embedding model, for providers that have one (once per name too). */
  embedding?: (modelName: string, fetchForModel: typeof fetch) => EmbeddingModelV4;
  /** The provider options for the features that are not standard call options (parallel tool calls, strict schemas). */
  featureOptions?: (features: CallFeatures) => ProviderOptions | undefined;
  /** Headers a plain GET (health) needs: the API key in the provider's own header. */
  authHeaders: Record<string, string>;
  /** How its answers stream (SSE with the provider's first event). */
  streamFormat: StreamFormat;
}

/** An embedding call has no streaming phases to report; the transport still refuses web pages. */
const embeddingObserver: CallObserver = {
  onResponse: () => undefined,
  onAnswerStart: () => undefined,
  onStreamFailure: () => undefined,
};

/**
 * The provider options with their unset values left out, and a provider with none left out whole:
 * each provider validates its options with zod on every call when they are there (OpenAI's schema is
 * a large object, parsed asynchronously), for nothing when every value is unset.
 */
export function setProviderOptions(options: ProviderOptions | undefined): ProviderOptions | undefined {
  if (options === undefined) return undefined;
  let kept: ProviderOptions | undefined;
  for (const [provider, values] of Object.entries(options)) {
    const set = Object.entries(values).filter(([, value]) => value !== undefined);
    if (set.length > 0) (kept ??= {})[provider] = Object.fromEntries(set);
  }
  return kept;
}

/**
 * What OpenAI, Anthropic and the OpenAI-compatible providers share: the transport, standard call
 * settings, the configured model list (no network) and a health check on `GET {base}/models`.
 */
export function createCloudProvider(
  config: ProviderConfig,
  parts: CloudProviderParts,
  fetchImplementation?: typeof fetch,
): ModelProvider {
  const { model, embedding, featureOptions, authHeaders, streamFormat } = parts;
  const transport = createUpstreamTransport(streamFormat, fetchImplementation);
  const healthHeaders = { ...config.headers, ...authHeaders };
  const models = reusedModels((modelName) => model(modelName, transport.sharedFetch));
  const embeddings =
    embedding === undefined
      ? undefined
      : reusedModels((modelName) => embedding(modelName, transport.observed(embeddingObserver)));
  return {
    name: config.name,
    kind: config.kind,
    limits: config.limits,
    models: config.models,
    languageModel: (modelName, observer) => observedModel(models(modelName), transport, observer),
    ...(embeddings === undefined ? {} : { embeddingModel: embeddings }),
    callSettings: (parameters, features = {}) => {
      const settings = standardCallSettings(parameters, features);
      const providerOptions = setProviderOptions(featureOptions?.(features));
      return providerOptions === undefined ? settings : { ...settings, providerOptions };
    },
    listModels: () =>
      Promise.resolve(
        (config.models ?? []).map((name): ModelInfo => ({ name: `${config.name}/${name}`, provider: config.name })),
      ),
    health: (signal) => checkHealth(() => getUpstreamJson(transport.fetch, `${config.baseUrl}/models`, healthHeaders, signal)),
  };
}
