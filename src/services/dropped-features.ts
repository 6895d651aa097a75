import type { SharedV4Warning } from '@ai-sdk/provider';
import { AppError } from '../errors/app-error.ts';
import type { CallFeatures } from '../providers/call-features.ts';

/** The AI SDK's name of a call feature → the OpenAI request field it came from. */
const requestFields: Record<string, { param: string; requested: (features: CallFeatures) => boolean }> = {
  tools: { param: 'tools', requested: (features) => (features.tools?.length ?? 0) > 0 },
  toolChoice: { param: 'tool_choice', requested: (features) => features.toolChoice !== undefined },
  responseFormat: { param: 'response_format', requested: (features) => features.responseFormat !== undefined },
  seed: { param: 'seed', requested: (features) => features.seed !== undefined },
  frequencyPenalty: { param: 'frequency_penalty', requested: (features) => features.frequencyPenalty !== undefined },
  presencePenalty: { param: 'presence_penalty', requested: (features) => features.presencePenalty !== undefined },
};

/**
 * The backstop behind provider-capabilities.ts, for what depends on the model rather than the provider
 * kind (an Anthropic model that takes no forced tool choice, an OpenAI reasoning model that takes no
 * penalties): the AI SDK provider reports, in its stream's first part, a requested feature it dropped.
 * That becomes 400 naming the field (and the next model of a fallback chain is tried), never an answer
 * that silently ignored what was asked.
 */
export function droppedFeature(warnings: readonly SharedV4Warning[], features: CallFeatures | undefined): AppError | undefined {
  if (features === undefined) return undefined;
  for (const warning of warnings) {
    if (warning.type !== 'unsupported' && warning.type !== 'compatibility') continue;
    const field = requestFields[warning.feature];
    if (field === undefined || !field.requested(features)) continue;
    return new AppError('INVALID_INPUT', 'Unsupported by this model', {
      details: [{ field: field.param, message: `not supported by this model (${warning.details ?? warning.feature})` }],
    });
  }
  return undefined;
}
