import { AppError } from '../errors/app-error.ts';
import type { ResolvedModel, ModelRegistry } from '../providers/model-registry.ts';
import type { PullProgress } from '../providers/ollama-pull.ts';

export interface ModelPull {
  /** The model being pulled (`provider/model`). */
  model: ResolvedModel;
  /** Ollama's progress until `success`; a failure after the start throws an AppError. */
  progress: AsyncIterable<PullProgress>;
}

const notPullable = (message: string) => new AppError('INVALID_INPUT', message, { details: [{ field: 'model', message }] });

/**
 * Starts pulling a model onto the Ollama server it names (`ollama/llama3.2:1b`, a model of another
 * OLLAMA_PROVIDERS server, a bare name on an Ollama default provider, or an alias of one model).
 * Cloud models and aliases of several models are 400 naming `model`; an unknown provider is 404.
 * Resolves once the model server answered; failures before that are API errors (503, 504, …).
 */
export async function startModelPull(registry: ModelRegistry, name: string, signal: AbortSignal): Promise<ModelPull> {
  const { model, fallbacks } = registry.resolve(name);
  if (fallbacks.length > 0) throw notPullable(`'${name}' is an alias of several models; name the one to pull`);
  const { provider } = model;
  if (provider.pull === undefined)
    throw notPullable(
      `'${model.id}' is not on an Ollama server (provider kind ${provider.kind}); only Ollama models can be pulled`,
    );
  return { model, progress: await provider.pull(model.modelName, signal) };
}
