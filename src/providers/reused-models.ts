import type { EmbeddingModelV4, LanguageModelV4 } from '@ai-sdk/provider';
import type { CallObserver } from './model-provider.ts';
import type { UpstreamTransport } from './upstream-fetch.ts';

/** Most model names a provider keeps built: a provider that passes any name on cannot be made to keep an unbounded set. */
const keptModels = 64;

/**
 * AI SDK models built once per name and reused for every call, least recently used dropped past 64.
 * A model holds only its configuration (and the zod schemas its provider builds for it): calls share
 * nothing else. Rebuilding the provider and the model per call cost the OpenAI-compatible path ~8 % of
 * its CPU in schema construction alone.
 */
export function reusedModels<Model>(build: (modelName: string) => Model): (modelName: string) => Model {
  const models = new Map<string, Model>();
  return (modelName) => {
    const found = models.get(modelName);
    if (found !== undefined) {
      models.delete(modelName);
      models.set(modelName, found);
      return found;
    }
    const model = build(modelName);
    models.set(modelName, model);
    if (models.size > keptModels) models.delete(models.keys().next().value ?? modelName);
    return model;
  };
}

/** A reused model seen through one call: its requests report to `observer` (the transport's shared fetch finds it). */
export function observedModel(model: LanguageModelV4, transport: UpstreamTransport, observer: CallObserver): LanguageModelV4 {
  return {
    specificationVersion: model.specificationVersion,
    provider: model.provider,
    modelId: model.modelId,
    supportedUrls: model.supportedUrls,
    doGenerate: (options) =>
      transport.observe(observer, (headers) => model.doGenerate({ ...options, headers: { ...options.headers, ...headers } })),
    doStream: (options) =>
      transport.observe(observer, (headers) => model.doStream({ ...options, headers: { ...options.headers, ...headers } })),
  };
}

export type { EmbeddingModelV4 };
