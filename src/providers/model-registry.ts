import { AppError } from '../errors/app-error.ts';
import type { ModelInfo, ModelProvider, ProviderHealth } from './model-provider.ts';

export interface ResolvedModel {
  /** `provider/model`, as reported to clients and stored. */
  id: string;
  provider: ModelProvider;
  modelName: string;
}

/** Provider names that are never taken as part of an Ollama model name, configured or not. */
const wellKnownProviderNames = new Set(['ollama', 'openai', 'anthropic', 'google', 'mistral', 'groq', 'together', 'openrouter']);

/** The one place a model name becomes a provider and a model. */
export class ModelRegistry {
  private readonly providers: Map<string, ModelProvider>;
  private readonly defaultProviderName: string;

  constructor(providers: ModelProvider[], defaultProviderName: string) {
    this.defaultProviderName = defaultProviderName;
    this.providers = new Map(providers.map((provider) => [provider.name, provider]));
    if (!this.providers.has(defaultProviderName)) throw new Error(`default provider ${defaultProviderName} is not configured`);
  }

  /**
   * `provider/model` goes to that provider; a bare name (or one whose first segment is no provider, like
   * Ollama's `hf.co/org/model`) goes to the default provider. Unknown providers are refused here,
   * before any upstream call.
   */
  resolve(name: string): ResolvedModel {
    const slash = name.indexOf('/');
    if (slash > 0) {
      const prefix = name.slice(0, slash);
      const provider = this.providers.get(prefix);
      const modelName = name.slice(slash + 1);
      if (provider && modelName !== '') return { id: name, provider, modelName };
      if (wellKnownProviderNames.has(prefix) || modelName === '')
        throw new AppError('NOT_FOUND', `Model not found: provider '${prefix}' is not configured`);
    }
    const provider = this.providers.get(this.defaultProviderName);
    if (!provider) throw new AppError('NOT_FOUND', 'Model not found');
    return { id: `${provider.name}/${name}`, provider, modelName: name };
  }

  /** Every provider's models; a provider that fails is left out unless all fail. */
  async listModels(signal: AbortSignal): Promise<ModelInfo[]> {
    const results = await Promise.allSettled([...this.providers.values()].map((provider) => provider.listModels(signal)));
    const models = results.flatMap((result) => (result.status === 'fulfilled' ? result.value : []));
    const firstFailure = results.find((result) => result.status === 'rejected');
    if (models.length === 0 && firstFailure) throw firstFailure.reason;
    return models;
  }

  async health(signal: AbortSignal): Promise<Record<string, ProviderHealth>> {
    const entries = await Promise.all(
      [...this.providers.values()].map(async (provider) => [provider.name, await provider.health(signal)] as const),
    );
    return Object.fromEntries(entries);
  }
}
