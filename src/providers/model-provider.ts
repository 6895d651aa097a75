import type { LanguageModel, streamText } from 'ai';

/** The AI SDK's provider options type, as streamText takes it. */
export type ProviderOptions = NonNullable<Parameters<typeof streamText>[0]['providerOptions']>;

export interface ModelInfo {
  name: string;
  provider: string;
  modified_at?: string;
  size?: number;
  size_bytes?: number;
  details?: Record<string, unknown>;
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

/** Per-call hooks a provider's transport reports to the generation (e.g. "response headers arrived"). */
export interface CallObserver {
  onResponseHeaders(): void;
  /** The upstream's answer turned out broken after it started (error line, truncated body). */
  onStreamFailure(error: Error): void;
}

/** One configured upstream, turned into AI SDK models. */
export interface ModelProvider {
  readonly name: string;
  languageModel(modelName: string, observer: CallObserver): LanguageModel;
  /** Provider-specific call options for the AI SDK (e.g. Ollama's `options` object). */
  providerOptions(parameters: GenerationParameters): ProviderOptions;
  listModels(signal: AbortSignal): Promise<ModelInfo[]>;
  health(signal: AbortSignal): Promise<ProviderHealth>;
}
