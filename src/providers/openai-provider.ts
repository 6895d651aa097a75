import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { ProviderConfig } from '../config/provider-settings.ts';
import { createCloudProvider } from './cloud-provider.ts';
import { openAiEventStream } from './event-stream-guard.ts';
import type { ModelProvider } from './model-provider.ts';

/** OpenAI through `@ai-sdk/openai`, with Chat Completions models (`.chat()`; the SDK's default is the Responses API). */
export function createOpenAIProvider(config: ProviderConfig, fetchImplementation?: typeof fetch): ModelProvider {
  const apiKey = config.apiKey ?? '';
  return createCloudProvider(
    config,
    {
      model: (modelName, fetchForCall) =>
        createOpenAI({ baseURL: config.baseUrl, apiKey, headers: config.headers, fetch: fetchForCall }).chat(modelName),
      authHeaders: { Authorization: `Bearer ${apiKey}` },
      streamFormat: openAiEventStream,
    },
    fetchImplementation,
  );
}

/** Groq, Together, OpenRouter, vLLM, LM Studio…: any server speaking OpenAI's Chat Completions. */
export function createOpenAICompatibleProvider(config: ProviderConfig, fetchImplementation?: typeof fetch): ModelProvider {
  const apiKey = config.apiKey ?? '';
  return createCloudProvider(
    config,
    {
      model: (modelName, fetchForCall) =>
        createOpenAICompatible({
          name: config.name,
          baseURL: config.baseUrl,
          apiKey,
          headers: config.headers,
          includeUsage: true,
          fetch: fetchForCall,
        }).chatModel(modelName),
      authHeaders: { Authorization: `Bearer ${apiKey}` },
      streamFormat: openAiEventStream,
    },
    fetchImplementation,
  );
}
