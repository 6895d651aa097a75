import { createOllama } from 'ollama-ai-provider-v2';
import { AppError } from '../errors/app-error.ts';
import { toUpstreamError } from '../errors/upstream-error.ts';
import type { CallObserver, GenerationParameters, ModelInfo, ModelProvider, ProviderHealth } from './model-provider.ts';
import { guardOllamaStream } from './ollama-stream-guard.ts';
import { UpstreamStreamError } from './upstream-stream-error.ts';

export interface OllamaProviderOptions {
  name?: string;
  /** Ollama's own address, without `/api` (e.g. http://localhost:11434). */
  baseUrl: string;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

interface OllamaTagsResponse {
  models?: { name: string; modified_at?: string; size?: number; details?: Record<string, unknown> }[];
}

export function createOllamaProvider(options: OllamaProviderOptions): ModelProvider {
  const name = options.name ?? 'ollama';
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const baseFetch = options.fetch ?? globalThis.fetch;
  const headers = options.headers ?? {};

  const observedFetch =
    (observer: CallObserver): typeof fetch =>
    async (input, init) => {
      const response = await baseFetch(input, init);
      if (!response.ok || response.body === null) return response;
      const contentType = response.headers.get('content-type') ?? '';
      // Only a usable answer starts the response to the client: an error status (model missing, 500)
      // or a web page must still become an ordinary JSON error with its own status (API.md).
      if (!contentType.includes('text/html')) observer.onResponseHeaders();
      if (contentType.includes('ndjson')) {
        return new Response(
          guardOllamaStream(response.body, (error) => observer.onStreamFailure(error)),
          {
            status: response.status,
            statusText: response.statusText,
            headers: response.headers,
          },
        );
      }
      if (contentType.includes('text/html')) {
        await response.body.cancel();
        throw new UpstreamStreamError(
          'The model server answered with an HTML page instead of a model response',
          'not-a-model-response',
        );
      }
      return response;
    };

  const getJson = async <T>(path: string, signal: AbortSignal): Promise<T> => {
    let response: Response;
    try {
      response = await baseFetch(`${baseUrl}${path}`, { headers, signal });
    } catch (error) {
      throw toUpstreamError(error);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new AppError('UPSTREAM_ERROR', `The model server answered ${String(response.status)}`);
    }
    try {
      return (await response.json()) as T;
    } catch (error) {
      throw toUpstreamError(error);
    }
  };

  return {
    name,
    languageModel(modelName, observer) {
      return createOllama({ baseURL: `${baseUrl}/api`, headers, fetch: observedFetch(observer) })(modelName);
    },
    providerOptions(parameters: GenerationParameters) {
      // ollama-ai-provider-v2 sends temperature/top_p/max tokens at the top level of /api/chat, where
      // Ollama ignores them, and drops stop sequences; Ollama reads them from `options`.
      const ollamaOptions: Record<string, number | string[]> = {};
      if (parameters.temperature !== undefined) ollamaOptions['temperature'] = parameters.temperature;
      if (parameters.topP !== undefined) ollamaOptions['top_p'] = parameters.topP;
      if (parameters.maxOutputTokens !== undefined) ollamaOptions['num_predict'] = parameters.maxOutputTokens;
      if (parameters.stopSequences !== undefined && parameters.stopSequences.length > 0)
        ollamaOptions['stop'] = parameters.stopSequences;
      return { ollama: { options: ollamaOptions } };
    },
    async listModels(signal) {
      const tags = await getJson<OllamaTagsResponse>('/api/tags', signal);
      return (tags.models ?? []).map((model): ModelInfo => ({
        name: `${name}/${model.name}`,
        provider: name,
        ...(model.modified_at === undefined ? {} : { modified_at: model.modified_at }),
        ...(model.size === undefined ? {} : { size: model.size, size_bytes: model.size }),
        ...(model.details === undefined ? {} : { details: model.details }),
      }));
    },
    async health(signal): Promise<ProviderHealth> {
      const started = performance.now();
      try {
        await getJson<unknown>('/api/version', signal);
        return { ok: true, latency_ms: Math.round(performance.now() - started) };
      } catch (error) {
        const appError = AppError.isInstance(error) ? error : toUpstreamError(error);
        return { ok: false, latency_ms: Math.round(performance.now() - started), error: appError.code };
      }
    },
  };
}
