/**
 * A fake Anthropic Messages API: real HTTP on 127.0.0.1, `/v1/messages` as SSE with Anthropic's event
 * types (message_start, content_block_start, ping, content_block_delta, content_block_stop,
 * message_delta, message_stop), JSON when not streaming, and Anthropic's error bodies
 * `{"type":"error","error":{"type","message"}}`. Scriptable like the fake Ollama (fake-upstream-server.ts).
 *
 * Tool calls are `tool_use` content blocks as Anthropic's "Streaming Messages" guide shows them
 * (platform.claude.com/docs/en/build-with-claude/streaming, "Streaming request with tool use"): a
 * content_block_start with `{"type":"tool_use","id","name","input":{}}`, content_block_delta events
 * with `{"type":"input_json_delta","partial_json"}` pieces (the first one empty), content_block_stop,
 * and `stop_reason: "tool_use"`; without streaming, `tool_use` blocks with the parsed `input`.
 */
import type { IncomingMessage } from 'node:http';
import {
  startFakeUpstream,
  type FakeUpstream,
  type FakeUpstreamBehaviour,
  type GenerationContext,
  type WireFormat,
} from './fake-upstream-server.ts';
import { argumentPieces } from './fake-upstream-types.ts';

export const ANTHROPIC_MODELS: readonly string[] = ['claude-haiku-4-5', 'claude-sonnet-4-5'];

export interface FakeAnthropicOptions extends Partial<FakeUpstreamBehaviour> {
  /** The key the fake accepts as `x-api-key`; undefined accepts any. */
  apiKey?: string;
  models?: string[];
}

const errorTypes: Record<number, [string, string]> = {
  400: ['invalid_request_error', 'max_tokens: Field required'],
  401: ['authentication_error', 'invalid x-api-key'],
  403: ['permission_error', 'Your API key does not have permission to use the specified resource.'],
  404: ['not_found_error', 'Not found'],
  413: ['request_too_large', 'Request exceeds the maximum allowed number of bytes.'],
  429: ['rate_limit_error', 'This request would exceed the rate limit for your organization of 50 requests per minute.'],
  500: ['api_error', 'Internal server error'],
  529: ['overloaded_error', 'Overloaded'],
};

/** Anthropic's error body for a status. */
export function anthropicErrorBody(status: number, message?: string): unknown {
  const [type, text] = errorTypes[status] ?? ['api_error', 'Internal server error'];
  return { type: 'error', error: { type, message: message ?? text } };
}

const event = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

const imageTypes = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];

/**
 * Image blocks as the Messages API takes them ("Vision" guide): `source` `{type:"base64", media_type,
 * data}` with one of four image types, or `{type:"url", url}`; anything else is its 400.
 */
function invalidImage(body: Record<string, unknown>): { status: number; body: unknown } | null {
  const messages = Array.isArray(body['messages']) ? (body['messages'] as { content?: unknown }[]) : [];
  for (const [messageIndex, message] of messages.entries()) {
    const blocks = Array.isArray(message.content) ? (message.content as Record<string, unknown>[]) : [];
    for (const [blockIndex, block] of blocks.entries()) {
      if (block['type'] !== 'image') continue;
      const source = (block['source'] ?? {}) as Record<string, unknown>;
      const where = `messages.${String(messageIndex)}.content.${String(blockIndex)}.image.source`;
      const ok =
        (source['type'] === 'base64' &&
          imageTypes.includes(String(source['media_type'])) &&
          typeof source['data'] === 'string') ||
        (source['type'] === 'url' && typeof source['url'] === 'string' && source['url'].startsWith('https://'));
      if (!ok)
        return { status: 400, body: anthropicErrorBody(400, `${where}: Input does not match any of the image source types`) };
    }
  }
  return null;
}

const toolCallsOf = (context: GenerationContext) => context.behaviour.toolCalls ?? [];
const stopReason = (context: GenerationContext) => (toolCallsOf(context).length > 0 ? 'tool_use' : 'end_turn');

export function anthropicWire(apiKey: string | undefined): WireFormat {
  return {
    generationPath: '/v1/messages',
    checkAuth(req: IncomingMessage) {
      const key = req.headers['x-api-key'];
      if (key === undefined || (apiKey !== undefined && key !== apiKey)) return { status: 401, body: anthropicErrorBody(401) };
      if (req.headers['anthropic-version'] === undefined)
        return { status: 400, body: anthropicErrorBody(400, 'anthropic-version: header is required') };
      return null;
    },
    errorBody: anthropicErrorBody,
    validate: invalidImage,
    modelNotFound: (model) => ({ status: 404, body: anthropicErrorBody(404, `model: ${model}`) }),
    modelsList: (models) => ({
      data: models.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-10-01T00:00:00Z' })),
      has_more: false,
      first_id: models[0] ?? null,
      last_id: models.at(-1) ?? null,
    }),
    streams: (body) => body['stream'] === true,
    json: (context: GenerationContext, text) => ({
      id: 'msg_01FakeMessage',
      type: 'message',
      role: 'assistant',
      model: context.model,
      content: [
        ...(text === '' && toolCallsOf(context).length > 0 ? [] : [{ type: 'text', text }]),
        ...toolCallsOf(context).map((call) => ({
          type: 'tool_use',
          id: call.id,
          name: call.name,
          input: JSON.parse(call.arguments) as unknown,
        })),
      ],
      stop_reason: stopReason(context),
      stop_sequence: null,
      usage: { input_tokens: context.inputTokens, output_tokens: context.behaviour.tokens.length },
    }),
    prelude: (context) =>
      event('message_start', {
        type: 'message_start',
        message: {
          id: 'msg_01FakeMessage',
          type: 'message',
          role: 'assistant',
          model: context.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: {
            input_tokens: context.inputTokens,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
            output_tokens: 1,
          },
        },
      }) +
      event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
      event('ping', { type: 'ping' }),
    token: (_context, text) =>
      event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }),
    // The text block (index 0) closes before the tool_use blocks open at index 1, 2, …
    toolCallEvents: (context) =>
      event('content_block_stop', { type: 'content_block_stop', index: 0 }) +
      toolCallsOf(context)
        .map((call, position) => {
          const index = position + 1;
          return (
            event('content_block_start', {
              type: 'content_block_start',
              index,
              content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} },
            }) +
            ['', ...argumentPieces(call.arguments)]
              .map((piece) =>
                event('content_block_delta', {
                  type: 'content_block_delta',
                  index,
                  delta: { type: 'input_json_delta', partial_json: piece },
                }),
              )
              .join('') +
            event('content_block_stop', { type: 'content_block_stop', index })
          );
        })
        .join(''),
    finish: (context) =>
      (toolCallsOf(context).length > 0 ? '' : event('content_block_stop', { type: 'content_block_stop', index: 0 })) +
      event('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: stopReason(context), stop_sequence: null },
        usage: { output_tokens: context.behaviour.tokens.length },
      }),
    doneMarker: () => event('message_stop', { type: 'message_stop' }),
    errorEvent: (message) => event('error', { type: 'error', error: { type: 'overloaded_error', message } }),
  };
}

export function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeUpstream> {
  const { apiKey, models, ...behaviour } = options;
  return startFakeUpstream(anthropicWire(apiKey), models ?? [...ANTHROPIC_MODELS], behaviour);
}
