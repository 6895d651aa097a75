import type { Caller } from '../auth/caller.ts';
import { assertModelAllowed } from '../auth/model-access.ts';
import { defaultModelName } from '../config.ts';
import type { Services } from '../app-env.ts';
import type { CallFeatures } from '../providers/call-features.ts';
import type { ModelRoute } from '../providers/model-registry.ts';
import { capableRoute, missingCapability } from '../providers/provider-capabilities.ts';
import type { ChatRequestBody } from '../schemas/chat.ts';
import { resolveParameters } from './chat-service.ts';
import type { GenerationInput } from './generation.ts';
import type { ConversationMessage } from './model-prompt.ts';
import { retrySettings } from './retry-policy.ts';

/** A prompt, or a whole conversation sent by the client (OpenAI's messages) with what else it asked for. */
export type StatelessRequest = {
  model?: string | undefined;
  system?: string | undefined;
  parameters?: ChatRequestBody['parameters'];
  features?: CallFeatures | undefined;
  user?: string | undefined;
} & ({ prompt: string } | { messages: ConversationMessage[] });

export interface StatelessGeneration {
  route: ModelRoute;
  /** The generation's input; `messages` replaces the request's (its images fetched for the route, image-inputs.ts). */
  input: (signal: AbortSignal, messages?: ConversationMessage[]) => GenerationInput;
}

/**
 * A one-shot model call with no history: resolves the model and its fallbacks (404, or 403 for a model
 * outside the caller's key, before any upstream call), checks the requested features against each model's provider (400 naming the field for the
 * requested model; fallbacks that cannot are left out) and applies the defaults.
 */
export function statelessGeneration(
  services: Pick<Services, 'config' | 'registry' | 'logger'>,
  caller: Caller,
  request: StatelessRequest,
): StatelessGeneration {
  const { config, registry, logger } = services;
  const { features } = request;
  const modelName = request.model ?? defaultModelName(config);
  const resolved = registry.resolve(modelName);
  assertModelAllowed(caller, modelName, resolved);
  const route =
    features === undefined ? resolved : capableRoute(resolved, (model) => missingCapability(model.provider.kind, features));
  const system = request.system ?? config.SYSTEM_PROMPT;
  const requestMessages: ConversationMessage[] =
    'prompt' in request ? [{ role: 'user', content: request.prompt }] : request.messages;
  return {
    route,
    input: (signal, messages = requestMessages) => ({
      model: route.model,
      fallbacks: route.fallbacks,
      system,
      messages,
      parameters: resolveParameters(config, request.parameters),
      features,
      user: request.user,
      signal,
      totalTimeoutMs: config.REQUEST_TIMEOUT_SECONDS * 1000,
      retry: retrySettings(config),
      logger,
    }),
  };
}
