import { createAnthropic } from '@ai-sdk/anthropic';
import type { ProviderConfig } from '../config/provider-settings.ts';
import { createCloudProvider } from './cloud-provider.ts';
import { anthropicEventStream } from './event-stream-guard.ts';
import type { ModelProvider } from './model-provider.ts';

/** Anthropic's Messages API through `@ai-sdk/anthropic`. It has no embedding models. */
export function createAnthropicProvider(config: ProviderConfig, fetchImplementation?: typeof fetch): ModelProvider {
  const apiKey = config.apiKey ?? '';
  return createCloudProvider(
    config,
    {
      model: (modelName, fetchForCall) =>
        createAnthropic({ baseURL: config.baseUrl, apiKey, headers: config.headers, fetch: fetchForCall })(modelName),
      featureOptions: (features) =>
        features.parallelToolCalls === false ? { anthropic: { disableParallelToolUse: true } } : undefined,
      authHeaders: { 'x-api-key': apiKey, 'anthropic-version': '2023-06-01' },
      streamFormat: anthropicEventStream,
    },
    fetchImplementation,
  );
}
