import { AppError } from '../errors/app-error.ts';
import type { ProviderKind } from '../config/provider-settings.ts';
import type { CallFeatures } from './call-features.ts';
import type { ModelRoute, ResolvedModel } from './model-registry.ts';

/**
 * What each provider kind can honour of what OpenAI clients send, as the AI SDK provider this API
 * uses for it passes it on (checked in node_modules: ollama-ai-provider-v2 4.0, @ai-sdk/openai 4.0,
 * @ai-sdk/anthropic 4.0, @ai-sdk/openai-compatible 3.0). The one place routes ask; README's /v1 table
 * says the same.
 */
export interface ProviderCapabilities {
  /** `tool_choice: "required"` (Ollama's /api/chat has no tool_choice at all). */
  toolChoiceRequired: boolean;
  /** `tool_choice: {type:"function", function:{name}}`. */
  toolChoiceNamed: boolean;
  /** `tool_choice: "none"` natively; otherwise it is kept by sending no tools. */
  toolChoiceNone: boolean;
  /** `parallel_tool_calls: false`. */
  singleToolCall: boolean;
  /** https `image_url`s go to the provider, which fetches them; otherwise this API fetches them (image-fetch.ts). */
  fetchesImageUrls: boolean;
  /** `response_format: {type:"json_object"}` (JSON without a schema; Anthropic needs a schema). */
  jsonObject: boolean;
  /** `response_format: {type:"json_schema"}`. */
  jsonSchema: boolean;
  seed: boolean;
  /** Non-zero `frequency_penalty` / `presence_penalty`. */
  penalties: boolean;
  /** A non-empty `logit_bias`. */
  logitBias: boolean;
  /** `POST /v1/embeddings`. */
  embeddings: boolean;
}

export const providerCapabilities: Record<ProviderKind, ProviderCapabilities> = {
  // seed goes in Ollama's `options`; the provider's options schema drops the penalties and logit bias.
  ollama: {
    toolChoiceRequired: false,
    toolChoiceNamed: false,
    toolChoiceNone: false,
    singleToolCall: false,
    fetchesImageUrls: false,
    jsonObject: true,
    jsonSchema: true,
    seed: true,
    penalties: false,
    logitBias: false,
    embeddings: true,
  },
  openai: {
    toolChoiceRequired: true,
    toolChoiceNamed: true,
    toolChoiceNone: true,
    singleToolCall: true,
    fetchesImageUrls: true,
    jsonObject: true,
    jsonSchema: true,
    seed: true,
    penalties: true,
    logitBias: true,
    embeddings: true,
  },
  // The Messages API has no seed, penalties, logit bias or embeddings; JSON output needs a schema.
  anthropic: {
    toolChoiceRequired: true,
    toolChoiceNamed: true,
    toolChoiceNone: true,
    singleToolCall: true,
    fetchesImageUrls: true,
    jsonObject: false,
    jsonSchema: true,
    seed: false,
    penalties: false,
    logitBias: false,
    embeddings: false,
  },
  // OpenAI's wire format: everything is passed on and the server behind it decides.
  'openai-compatible': {
    toolChoiceRequired: true,
    toolChoiceNamed: true,
    toolChoiceNone: true,
    singleToolCall: true,
    fetchesImageUrls: true,
    jsonObject: true,
    jsonSchema: true,
    seed: true,
    penalties: true,
    logitBias: true,
    embeddings: true,
  },
};

export interface MissingCapability {
  /** The OpenAI request field that cannot be honoured. */
  param: string;
  message: string;
}

/** The first feature of the request that this provider kind cannot honour, if any. */
export function missingCapability(kind: ProviderKind, features: CallFeatures): MissingCapability | undefined {
  const can = providerCapabilities[kind];
  const cannot = (param: string, what: string) => ({ param, message: `${what} is not supported by ${kind} models` });
  const { toolChoice, responseFormat } = features;
  if (toolChoice === 'required' && !can.toolChoiceRequired) return cannot('tool_choice', 'tool_choice "required"');
  if (typeof toolChoice === 'object' && !can.toolChoiceNamed) return cannot('tool_choice', 'a named tool_choice');
  if (features.parallelToolCalls === false && !can.singleToolCall)
    return cannot('parallel_tool_calls', 'parallel_tool_calls false');
  if (responseFormat !== undefined && responseFormat.schema === undefined && !can.jsonObject)
    return cannot('response_format', 'response_format json_object (without a schema)');
  if (responseFormat?.schema !== undefined && !can.jsonSchema) return cannot('response_format', 'response_format json_schema');
  if (features.seed !== undefined && !can.seed) return cannot('seed', 'seed');
  if (features.frequencyPenalty !== undefined && !can.penalties) return cannot('frequency_penalty', 'frequency_penalty');
  if (features.presencePenalty !== undefined && !can.penalties) return cannot('presence_penalty', 'presence_penalty');
  if (features.logitBias !== undefined && !can.logitBias) return cannot('logit_bias', 'logit_bias');
  return undefined;
}

/**
 * The route for a request that asks for these features: the requested model must honour them all
 * (400 naming the field otherwise, before any upstream call); fallbacks that cannot are left out of
 * the chain for this request instead of answering something else than was asked.
 */
export function capableRoute(route: ModelRoute, missing: (model: ResolvedModel) => MissingCapability | undefined): ModelRoute {
  const refused = missing(route.model);
  if (refused !== undefined)
    throw new AppError('INVALID_INPUT', `Unsupported by ${route.model.id}`, {
      details: [{ field: refused.param, message: refused.message }],
    });
  return { model: route.model, fallbacks: route.fallbacks.filter((fallback) => missing(fallback) === undefined) };
}
