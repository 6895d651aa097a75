import type { LanguageModelV4 } from '@ai-sdk/provider';
import type { ProviderConfig } from '../config/provider-settings.ts';
import { standardCallSettings, type ModelInfo, type ModelProvider } from './model-provider.ts';
import type { StreamFormat } from './stream-format.ts';
import { createUpstreamTransport } from './upstream-fetch.ts';
import { checkHealth, getUpstreamJson } from './upstream-json.ts';

export interface CloudProviderParts {
  /** Builds the AI SDK model for one call, with the call's observed fetch. */
  model: (modelName: string, fetchForCall: typeof fetch) => LanguageModelV4;
  /** Headers a plain GET (health) needs: the API key in the provider's own header. */
  authHeaders: Record<string, string>;
  /** How its answers stream (SSE with the provider's first event). */
  streamFormat: StreamFormat;
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
  const { model, authHeaders, streamFormat } = parts;
  const transport = createUpstreamTransport(streamFormat, fetchImplementation);
  const healthHeaders = { ...config.headers, ...authHeaders };
  return {
    name: config.name,
    kind: config.kind,
    limits: config.limits,
    models: config.models,
    languageModel: (modelName, observer) => model(modelName, transport.observed(observer)),
    callSettings: standardCallSettings,
    listModels: () =>
      Promise.resolve(
        (config.models ?? []).map((name): ModelInfo => ({ name: `${config.name}/${name}`, provider: config.name })),
      ),
    health: (signal) => checkHealth(() => getUpstreamJson(transport.fetch, `${config.baseUrl}/models`, healthHeaders, signal)),
  };
}
