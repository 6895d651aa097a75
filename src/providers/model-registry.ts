import { AppError } from '../errors/app-error.ts';
import type { ModelInfo, ModelProvider, ProviderHealth } from './model-provider.ts';

export interface ResolvedModel {
  /** `provider/model`, as reported to clients and stored. */
  id: string;
  provider: ModelProvider;
  modelName: string;
}

/** A requested name turned into the model to call and, for an alias with a chain, the models to fall back to. */
export interface ModelRoute {
  model: ResolvedModel;
  fallbacks: ResolvedModel[];
}

export interface RegistryOptions {
  defaultProvider: string;
  /** Alias → models tried in order (`smart` → `openai/gpt-4o-mini`, `ollama/llama3.1`). */
  aliases?: Record<string, readonly string[]>;
}

/** Provider names that are never taken as part of an Ollama model name, configured or not. */
const wellKnownProviderNames = new Set(['ollama', 'openai', 'anthropic', 'google', 'mistral', 'groq', 'together', 'openrouter']);

const modelNotFound = (detail: string) =>
  new AppError('NOT_FOUND', `Model not found: ${detail}`, { details: [{ field: 'model', message: detail }] });

/** The one place a model name becomes a provider and a model; checked before any upstream call. */
export class ModelRegistry {
  private readonly providers: Map<string, ModelProvider>;
  private readonly defaultProviderName: string;
  private readonly aliases: Map<string, ResolvedModel[]>;

  constructor(providers: ModelProvider[], options: RegistryOptions) {
    const { defaultProvider, aliases = {} } = options;
    this.defaultProviderName = defaultProvider;
    this.providers = new Map(providers.map((provider) => [provider.name, provider]));
    if (!this.providers.has(defaultProvider)) throw new Error(`default provider ${defaultProvider} is not configured`);
    this.aliases = new Map(
      Object.entries(aliases).map(([alias, chain]) => [alias, chain.map((name) => this.resolveModel(name))]),
    );
  }

  /**
   * An alias gives its chain; `provider/model` goes to that provider; a bare name (or one whose first
   * segment is no provider, like Ollama's `hf.co/org/model`) goes to the default provider. An unknown
   * provider, or a model a provider's configured list does not hold, is NOT_FOUND.
   */
  resolve(name: string): ModelRoute {
    const chain = this.aliases.get(name);
    if (chain !== undefined) {
      const [model, ...fallbacks] = chain;
      if (model === undefined) throw modelNotFound(`none of the models of '${name}' is configured`);
      return { model, fallbacks };
    }
    return { model: this.resolveModel(name), fallbacks: [] };
  }

  private resolveModel(name: string): ResolvedModel {
    const slash = name.indexOf('/');
    if (slash > 0) {
      const prefix = name.slice(0, slash);
      const provider = this.providers.get(prefix);
      const modelName = name.slice(slash + 1);
      if (provider && modelName !== '') return this.checked(provider, modelName);
      if (wellKnownProviderNames.has(prefix) || modelName === '') throw modelNotFound(`provider '${prefix}' is not configured`);
    }
    const provider = this.providers.get(this.defaultProviderName);
    if (!provider) throw modelNotFound('no default provider');
    return this.checked(provider, name);
  }

  private checked(provider: ModelProvider, modelName: string): ResolvedModel {
    if (provider.models !== undefined && !provider.models.includes(modelName))
      throw modelNotFound(`'${provider.name}' does not offer it`);
    return { id: `${provider.name}/${modelName}`, provider, modelName };
  }

  /**
   * Every provider's models, then the aliases with their chains. A provider that does not answer is
   * listed as `provider/*` with `available: false`; only when nothing at all can be listed is its
   * failure the answer.
   */
  async listModels(signal: AbortSignal): Promise<ModelInfo[]> {
    const providers = [...this.providers.values()];
    const results = await Promise.allSettled(providers.map((provider) => provider.listModels(signal)));
    const aliases = [...this.aliases].map(([name, chain]): ModelInfo => ({
      name,
      provider: 'alias',
      chain: chain.map((model) => model.id),
    }));
    const models = results.flatMap((result) => (result.status === 'fulfilled' ? result.value : []));
    const firstFailure = results.find((result) => result.status === 'rejected');
    if (firstFailure && models.length === 0 && aliases.length === 0) throw firstFailure.reason;
    const unavailable = results.flatMap((result, index): ModelInfo[] => {
      const provider = providers[index];
      if (result.status === 'fulfilled' || provider === undefined) return [];
      const error: unknown = result.reason;
      return [
        {
          name: `${provider.name}/*`,
          provider: provider.name,
          available: false,
          ...(AppError.isInstance(error) ? { error: error.code } : {}),
        },
      ];
    });
    return [...models, ...unavailable, ...aliases];
  }

  async health(signal: AbortSignal): Promise<Record<string, ProviderHealth>> {
    const entries = await Promise.all(
      [...this.providers.values()].map(async (provider) => [provider.name, await provider.health(signal)] as const),
    );
    return Object.fromEntries(entries);
  }
}
