import type { EmbeddingModelV4, LanguageModelV4, SharedV4ProviderOptions } from '@ai-sdk/provider';
import type { ProviderKind, ProviderLimits } from '../config/provider-settings.ts';
import { featureCallOptions, type CallFeatures, type FeatureCallOptions } from './call-features.ts';
import type { PullProgress } from './ollama-pull.ts';

export type { ProviderKind, ProviderLimits };

/** The AI SDK's provider options type (per-provider settings such as Ollama's `options`). */
export type ProviderOptions = SharedV4ProviderOptions;

export interface ModelInfo {
  name: string;
  provider: string;
  modified_at?: string;
  size?: number;
  size_bytes?: number;
  details?: Record<string, unknown>;
  /** False when the provider did not answer; absent when it did. */
  available?: boolean;
  /** The error code of a provider that did not answer. */
  error?: string;
  /** An alias's models, tried in order. */
  chain?: string[];
}

export interface ProviderHealth {
  ok: boolean;
  latency_ms: number;
  error?: string;
}

export interface GenerationParameters {
  temperature?: number | undefined;
  maxOutputTokens?: number | undefined;
  topP?: number | undefined;
  stopSequences?: string[] | undefined;
}

/** What a model call takes besides the prompt: standard settings, the requested features and provider options. */
export interface CallSettings extends FeatureCallOptions {
  temperature?: number;
  maxOutputTokens?: number;
  topP?: number;
  stopSequences?: string[];
  providerOptions?: ProviderOptions;
}

/** Per-call hooks a provider's transport reports to the generation. */
export interface CallObserver {
  /** Response headers arrived, whatever the status: the header timeout stops. */
  onResponse(): void;
  /**
   * A model answer started: the first line or event of this provider's stream format arrived (not an
   * error status, not a web page, not an error event). The answer may start.
   */
  onAnswerStart(): void;
  /** The upstream's answer turned out broken after it started (error line, truncated body). */
  onStreamFailure(error: Error): void;
}

/** One configured upstream, turned into AI SDK models. */
export interface ModelProvider {
  readonly name: string;
  readonly kind: ProviderKind;
  readonly limits: ProviderLimits;
  /** The models this provider serves; undefined lets any name through (the provider checks it). */
  readonly models: readonly string[] | undefined;
  languageModel(modelName: string, observer: CallObserver): LanguageModelV4;
  /** The embedding model (it honours the call's `dimensions`); absent for providers that have none (Anthropic). */
  embeddingModel?: (modelName: string) => EmbeddingModelV4;
  /**
   * The call settings for the AI SDK: standard ones (or provider options where the provider ignores
   * those) and the features an OpenAI client asked for, in this provider's terms.
   */
  callSettings(parameters: GenerationParameters, features?: CallFeatures): CallSettings;
  listModels(signal: AbortSignal): Promise<ModelInfo[]>;
  health(signal: AbortSignal): Promise<ProviderHealth>;
  /**
   * Downloads a model onto the model server (Ollama's /api/pull), for providers that can: resolves
   * when the server answered, with its progress until `success`.
   */
  pull?(modelName: string, signal: AbortSignal): Promise<AsyncIterable<PullProgress>>;
}

/** The standard AI SDK call settings for providers that honour them (all but Ollama's), with the features. */
export function standardCallSettings(parameters: GenerationParameters, features: CallFeatures = {}): CallSettings {
  const settings: CallSettings = featureCallOptions(features);
  if (parameters.temperature !== undefined) settings.temperature = parameters.temperature;
  if (parameters.topP !== undefined) settings.topP = parameters.topP;
  if (parameters.maxOutputTokens !== undefined) settings.maxOutputTokens = parameters.maxOutputTokens;
  if (parameters.stopSequences !== undefined && parameters.stopSequences.length > 0)
    settings.stopSequences = parameters.stopSequences;
  return settings;
}
