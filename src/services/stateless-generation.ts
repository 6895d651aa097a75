import type { Caller } from '../auth/caller.ts';
import { assertModelAllowed } from '../auth/model-access.ts';
import { defaultModelName } from '../config.ts';
import type { Services } from '../app-env.ts';
import type { ModelRoute } from '../providers/model-registry.ts';
import type { ChatRequestBody } from '../schemas/chat.ts';
import { resolveParameters } from './chat-service.ts';
import type { GenerationInput } from './generation.ts';
import type { ConversationMessage } from './model-prompt.ts';
import { retrySettings } from './retry-policy.ts';

/** A prompt, or a whole conversation sent by the client (OpenAI's messages). */
export type StatelessRequest = {
  model?: string | undefined;
  system?: string | undefined;
  parameters?: ChatRequestBody['parameters'];
} & ({ prompt: string } | { messages: ConversationMessage[] });

/**
 * A one-shot model call with no history: resolves the model and its fallbacks (404, or 403 for a model
 * outside the caller's key, before any upstream call) and the defaults.
 */
export function statelessGeneration(
  services: Pick<Services, 'config' | 'registry' | 'logger'>,
  caller: Caller,
  request: StatelessRequest,
): { route: ModelRoute; input: (signal: AbortSignal) => GenerationInput } {
  const { config, registry, logger } = services;
  const modelName = request.model ?? defaultModelName(config);
  const route = registry.resolve(modelName);
  assertModelAllowed(caller, modelName, route);
  const system = request.system ?? config.SYSTEM_PROMPT;
  return {
    route,
    input: (signal) => ({
      model: route.model,
      fallbacks: route.fallbacks,
      system,
      messages: 'prompt' in request ? [{ role: 'user', content: request.prompt }] : request.messages,
      parameters: resolveParameters(config, request.parameters),
      signal,
      totalTimeoutMs: config.REQUEST_TIMEOUT_SECONDS * 1000,
      retry: retrySettings(config),
      logger,
    }),
  };
}
