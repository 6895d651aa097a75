import { ConfigError, type Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { ProviderConfig } from '../config/provider-settings.ts';
import type { ModelProvider } from './model-provider.ts';
import { ModelRegistry } from './model-registry.ts';
import { createOllamaProvider } from './ollama-provider.ts';

export interface RegistryOptions {
  /** The fetch every provider uses (tests and tunnels may inject their own). */
  fetch?: typeof fetch;
  logger?: Logger;
}

/**
 * The provider of one configured upstream. The AI SDK packages of the cloud kinds are loaded only when
 * a provider of that kind is configured: each defines its zod schemas when it loads, and together with
 * the docs page they were 11 MB of the server's idle memory in the default (Ollama-only) setup.
 */
async function createProvider(config: ProviderConfig, fetchImplementation: typeof fetch | undefined): Promise<ModelProvider> {
  switch (config.kind) {
    case 'ollama':
      return createOllamaProvider({
        name: config.name,
        baseUrl: config.baseUrl,
        headers: config.headers,
        limits: config.limits,
        ...(fetchImplementation === undefined ? {} : { fetch: fetchImplementation }),
      });
    case 'openai':
      return (await import('./openai-provider.ts')).createOpenAIProvider(config, fetchImplementation);
    case 'anthropic':
      return (await import('./anthropic-provider.ts')).createAnthropicProvider(config, fetchImplementation);
    case 'openai-compatible':
      return (await import('./openai-provider.ts')).createOpenAICompatibleProvider(config, fetchImplementation);
  }
}

/**
 * Turns configuration into the model registry. Every runtime's entry calls this one function.
 * Providers left out for a missing key, and alias models on them, get one start-up log line each.
 */
export async function buildModelRegistry(config: Config, options: RegistryOptions = {}): Promise<ModelRegistry> {
  const { logger } = options;
  const providers = await Promise.all(config.providers.map((provider) => createProvider(provider, options.fetch)));
  for (const provider of config.providers) {
    logger?.info('provider configured', {
      provider: provider.name,
      kind: provider.kind,
      host: new URL(provider.baseUrl).host,
      models: provider.models ?? 'any',
    });
  }
  for (const absent of config.absentProviders) {
    logger?.info('provider not configured', { provider: absent.name, reason: absent.reason });
  }

  const absentNames = new Set(config.absentProviders.map((absent) => absent.name));
  const aliases: Record<string, string[]> = {};
  for (const [alias, chain] of Object.entries(config.MODEL_ALIASES)) {
    aliases[alias] = chain.filter((model) => {
      const provider = model.slice(0, Math.max(0, model.indexOf('/')));
      if (!absentNames.has(provider)) return true;
      logger?.warn('alias model left out: its provider is not configured', { alias, model });
      return false;
    });
  }
  try {
    return new ModelRegistry(providers, { defaultProvider: config.DEFAULT_PROVIDER, aliases });
  } catch (error) {
    throw new ConfigError([`MODEL_ALIASES: ${error instanceof Error ? error.message : String(error)}`]);
  }
}
