import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { ModelRegistry } from './model-registry.ts';
import { createOllamaProvider } from './ollama-provider.ts';

export interface RegistryOptions {
  /** The fetch every provider uses (tests and tunnels may inject their own). */
  fetch?: typeof fetch;
  logger?: Logger;
}

/** Turns configuration into the model registry. Every runtime's entry calls this one function. */
export function buildModelRegistry(config: Config, options: RegistryOptions = {}): ModelRegistry {
  const ollama = createOllamaProvider({
    baseUrl: config.OLLAMA_BASE_URL,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  return new ModelRegistry([ollama], 'ollama');
}
