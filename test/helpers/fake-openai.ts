/**
 * A fake OpenAI Chat Completions server (also the fake for OpenAI-compatible providers): real HTTP on
 * 127.0.0.1, `/v1/chat/completions` as SSE chunks exactly as OpenAI sends them (role chunk, content
 * chunks, the finish_reason chunk, a usage chunk when `stream_options.include_usage`, `data: [DONE]`),
 * JSON when not streaming, and OpenAI's error bodies. Scriptable like the fake Ollama (see
 * fake-upstream-server.ts). Only `/v1/chat/completions`, `/v1/embeddings` and `/v1/models` exist: a
 * call to the Responses API gets OpenAI's 404.
 *
 * Tool calls and embeddings follow OpenAI's API reference (platform.openai.com/docs/api-reference:
 * the chat completion chunk object's `delta.tool_calls`, "Function calling" → streaming, and the
 * embedding object): the first chunk of a call carries `index`, `id`, `type: "function"` and
 * `function: {name, arguments: ""}`, later chunks `{index, function: {arguments}}` with a piece of
 * the JSON; the answer finishes with `tool_calls`, and without streaming the message has
 * `content: null` and `tool_calls`.
 */
import type { IncomingMessage } from 'node:http';
import {
  startFakeUpstream,
  type FakeUpstream,
  type FakeUpstreamBehaviour,
  type FakeUpstreamScript,
  type GenerationContext,
  type WireFormat,
} from './fake-upstream-server.ts';
import { argumentPieces, fakeEmbedding } from './fake-upstream-types.ts';

export const OPENAI_MODELS: readonly string[] = ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small'];

/** The size of the fake's embeddings when the request names no `dimensions`. */
export const FAKE_EMBEDDING_DIMENSIONS = 8;

export interface FakeOpenAIOptions extends Partial<FakeUpstreamBehaviour> {
  /** The key the fake accepts as `Authorization: Bearer …`; undefined accepts any. */
  apiKey?: string;
  models?: string[];
  /** A behaviour per request, chosen from its body (fake-upstream-server.ts). */
  script?: FakeUpstreamScript;
}

const created = 1_763_892_000;
const fingerprint = 'fp_44709d6fcb';

function errorBody(type: string, message: string, code: string | null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

/** OpenAI's error body for a status, with the texts OpenAI sends. */
export function openaiErrorBody(status: number, message?: string): unknown {
  switch (status) {
    case 400:
      return errorBody(
        'invalid_request_error',
        message ?? "Invalid value for 'temperature': must be between 0 and 2.",
        null,
        'temperature',
      );
    case 401:
      return errorBody(
        'invalid_request_error',
        message ??
          'Incorrect API key provided: sk-wrong. You can find your API key at https://platform.openai.com/account/api-keys.',
        'invalid_api_key',
      );
    case 404:
      return errorBody(
        'invalid_request_error',
        message ?? 'The model `gpt-x` does not exist or you do not have access to it.',
        'model_not_found',
      );
    case 429:
      return errorBody(
        'requests',
        message ??
          'Rate limit reached for gpt-4o-mini in organization org-abc123 on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s. Visit https://platform.openai.com/account/rate-limits to learn more.',
        'rate_limit_exceeded',
      );
    case 502:
    case 503:
      return errorBody('server_error', message ?? 'The server is overloaded or not ready yet.', null);
    default:
      return errorBody(
        'server_error',
        message ?? 'The server had an error while processing your request. Sorry about that!',
        null,
      );
  }
}

const includeUsage = (context: GenerationContext) =>
  (context.body['stream_options'] as { include_usage?: unknown } | undefined)?.include_usage === true;

function chunk(context: GenerationContext, choices: unknown[], usage?: unknown): string {
  const payload: Record<string, unknown> = {
    id: 'chatcmpl-fake123',
    object: 'chat.completion.chunk',
    created,
    model: context.model,
    system_fingerprint: fingerprint,
    choices,
  };
  if (includeUsage(context)) payload['usage'] = usage ?? null;
  return `data: ${JSON.stringify(payload)}\n\n`;
}

function usageOf(context: GenerationContext) {
  const completion = context.behaviour.tokens.length;
  return {
    prompt_tokens: context.inputTokens,
    completion_tokens: completion,
    total_tokens: context.inputTokens + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** `image_url.url` as Chat Completions takes it: an http(s) URL or a base64 data URL of an image type, else its 400. */
function invalidImage(body: Record<string, unknown>): { status: number; body: unknown } | null {
  const messages = Array.isArray(body['messages']) ? (body['messages'] as { content?: unknown }[]) : [];
  for (const [messageIndex, message] of messages.entries()) {
    const parts = Array.isArray(message.content) ? (message.content as Record<string, unknown>[]) : [];
    for (const [partIndex, part] of parts.entries()) {
      if (part['type'] !== 'image_url') continue;
      const given = (part['image_url'] as { url?: unknown } | undefined)?.url;
      const url = typeof given === 'string' ? given : '';
      if (/^https?:\/\//.test(url) || /^data:image\/(png|jpeg|gif|webp);base64,/.test(url)) continue;
      const param = `messages[${String(messageIndex)}].content[${String(partIndex)}].image_url.url`;
      return {
        status: 400,
        body: errorBody(
          'invalid_request_error',
          `Invalid '${param}'. Expected a valid URL or a base64-encoded data URL with an image MIME type.`,
          'invalid_value',
          param,
        ),
      };
    }
  }
  return null;
}

const toolCallsOf = (context: GenerationContext) => context.behaviour.toolCalls ?? [];
const finishReason = (context: GenerationContext) => (toolCallsOf(context).length > 0 ? 'tool_calls' : 'stop');

function embeddingsAnswer(body: Record<string, unknown>, model: string) {
  const input = body['input'];
  const texts = typeof input === 'string' ? [input] : Array.isArray(input) ? input.map(String) : [];
  if (texts.length === 0)
    return { status: 400, body: errorBody('invalid_request_error', "'$.input' is invalid.", null, 'input') };
  const dimensions = typeof body['dimensions'] === 'number' ? body['dimensions'] : FAKE_EMBEDDING_DIMENSIONS;
  const base64 = body['encoding_format'] === 'base64';
  const tokens = texts.reduce((sum, text) => sum + Math.max(1, Math.ceil(text.length / 4)), 0);
  return {
    status: 200,
    body: {
      object: 'list',
      data: texts.map((text, index) => {
        const values = fakeEmbedding(text, dimensions);
        return {
          object: 'embedding',
          index,
          embedding: base64 ? Buffer.from(new Float32Array(values).buffer).toString('base64') : values,
        };
      }),
      model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    },
  };
}

export function openaiWire(apiKey: string | undefined): WireFormat {
  return {
    generationPath: '/v1/chat/completions',
    checkAuth(req: IncomingMessage) {
      const authorization = req.headers.authorization;
      if (authorization === undefined)
        return {
          status: 401,
          body: errorBody(
            'invalid_request_error',
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            null,
          ),
        };
      if (apiKey !== undefined && authorization !== `Bearer ${apiKey}`) {
        const shown = authorization.replace(/^Bearer /, '');
        return {
          status: 401,
          body: openaiErrorBody(
            401,
            `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          ),
        };
      }
      return null;
    },
    errorBody: openaiErrorBody,
    validate: invalidImage,
    modelNotFound: (model) => ({
      status: 404,
      body: openaiErrorBody(404, `The model \`${model}\` does not exist or you do not have access to it.`),
    }),
    modelsList: (models) => ({
      object: 'list',
      data: models.map((id) => ({ id, object: 'model', created, owned_by: 'system' })),
    }),
    streams: (body) => body['stream'] === true,
    json: (context, text) => ({
      id: 'chatcmpl-fake123',
      object: 'chat.completion',
      created,
      model: context.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: text === '' && toolCallsOf(context).length > 0 ? null : text,
            refusal: null,
            annotations: [],
            ...(toolCallsOf(context).length === 0
              ? {}
              : {
                  tool_calls: toolCallsOf(context).map((call) => ({
                    id: call.id,
                    type: 'function',
                    function: { name: call.name, arguments: call.arguments },
                  })),
                }),
          },
          logprobs: null,
          finish_reason: finishReason(context),
        },
      ],
      ...(context.behaviour.usage ? { usage: usageOf(context) } : {}),
      service_tier: 'default',
      system_fingerprint: fingerprint,
    }),
    prelude: (context) =>
      chunk(context, [
        { index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null },
      ]),
    token: (context, text) => chunk(context, [{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }]),
    toolCallEvents: (context) =>
      toolCallsOf(context)
        .flatMap((call, index) => [
          { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
          ...argumentPieces(call.arguments).map((piece) => ({ index, function: { arguments: piece } })),
        ])
        .map((toolCall) => chunk(context, [{ index: 0, delta: { tool_calls: [toolCall] }, logprobs: null, finish_reason: null }]))
        .join(''),
    finish: (context) => {
      const last = chunk(context, [{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason(context) }]);
      return includeUsage(context) && context.behaviour.usage ? last + chunk(context, [], usageOf(context)) : last;
    },
    doneMarker: () => 'data: [DONE]\n\n',
    errorEvent: (message) => `data: ${JSON.stringify(errorBody('server_error', message, null))}\n\n`,
    embeddingPath: '/v1/embeddings',
    embeddings: embeddingsAnswer,
  };
}

export function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeUpstream> {
  const { apiKey, models, script, ...behaviour } = options;
  return startFakeUpstream(openaiWire(apiKey), models ?? [...OPENAI_MODELS], behaviour, script);
}
