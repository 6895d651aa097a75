import { defaultModelName } from '../config.ts';
import type { Services } from '../app-env.ts';
import type { ResolvedModel } from '../providers/model-registry.ts';
import type { ChatRequestBody } from '../schemas/chat.ts';
import { resolveParameters } from './chat-service.ts';
import type { GenerationInput } from './generation.ts';

export interface StatelessRequest {
  prompt: string;
  model?: string | undefined;
  system?: string | undefined;
  parameters?: ChatRequestBody['parameters'];
}

/** A one-shot model call with no history: resolves the model (404 before any upstream call) and the defaults. */
export function statelessGeneration(
  services: Pick<Services, 'config' | 'registry'>,
  request: StatelessRequest,
): { model: ResolvedModel; input: (signal: AbortSignal) => GenerationInput } {
  const { config, registry } = services;
  const model = registry.resolve(request.model ?? defaultModelName(config));
  const system = request.system ?? config.SYSTEM_PROMPT;
  return {
    model,
    input: (signal) => ({
      model,
      system,
      messages: [{ role: 'user', content: request.prompt }],
      parameters: resolveParameters(config, request.parameters),
      signal,
      firstTokenTimeoutMs: config.FIRST_TOKEN_TIMEOUT_SECONDS * 1000,
      totalTimeoutMs: config.REQUEST_TIMEOUT_SECONDS * 1000,
    }),
  };
}
