import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { ProviderConfig } from '../config/provider-settings.ts';
import type { CallFeatures } from './call-features.ts';
import { createCloudProvider } from './cloud-provider.ts';
import { openAiEventStream } from './event-stream-guard.ts';
import type { ModelProvider } from './model-provider.ts';

/** OpenAI through `@ai-sdk/openai`, with Chat Completions models (`.chat()`; the SDK's default is the Responses API). */
export function createOpenAIProvider(config: ProviderConfig, fetchImplementation?: typeof fetch): ModelProvider {
  const apiKey = config.apiKey ?? '';
  const provider = (fetchForCall: typeof fetch) =>
    createOpenAI({ baseURL: config.baseUrl, apiKey, headers: config.headers, fetch: fetchForCall });
  return createCloudProvider(
    config,
    {
      model: (modelName, fetchForCall) => provider(fetchForCall).chat(modelName),
      embedding: (modelName, fetchForCall) => provider(fetchForCall).embedding(modelName),
      // An undefined option leaves the provider's default (and is left out of the request).
      featureOptions: (features: CallFeatures) => ({
        openai: {
          parallelToolCalls: features.parallelToolCalls,
          strictJsonSchema: features.responseFormat?.strict,
          logitBias: features.logitBias,
        },
      }),
      authHeaders: { Authorization: `Bearer ${apiKey}` },
      streamFormat: openAiEventStream,
    },
    fetchImplementation,
  );
}

/** Groq, Together, OpenRouter, vLLM, LM Studio…: any server speaking OpenAI's Chat Completions. */
export function createOpenAICompatibleProvider(config: ProviderConfig, fetchImplementation?: typeof fetch): ModelProvider {
  const apiKey = config.apiKey ?? '';
  const provider = (fetchForCall: typeof fetch) =>
    createOpenAICompatible({
      name: config.name,
      baseURL: config.baseUrl,
      apiKey,
      headers: config.headers,
      includeUsage: true,
      // A json_schema response_format is sent as json_schema: the server behind decides what it supports.
      supportsStructuredOutputs: true,
      fetch: fetchForCall,
    });
  return createCloudProvider(
    config,
    {
      model: (modelName, fetchForCall) => provider(fetchForCall).chatModel(modelName),
      embedding: (modelName, fetchForCall) => provider(fetchForCall).embeddingModel(modelName),
      // Keys the provider does not know go into the request body as they are (OpenAI's own field names).
      featureOptions: (features: CallFeatures) => ({
        [config.name]: {
          parallel_tool_calls: features.parallelToolCalls,
          strictJsonSchema: features.responseFormat?.strict,
          logit_bias: features.logitBias,
        },
      }),
      authHeaders: { Authorization: `Bearer ${apiKey}` },
      streamFormat: openAiEventStream,
    },
    fetchImplementation,
  );
}
