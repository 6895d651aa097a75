import { protectedRoute } from './protected-route.ts';
import { type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { jsonBody, sseContent, streamStartDescription, type InputLimits } from '../schemas/common.ts';
import {
  chatCompletionRequestSchema,
  chatCompletionSchema,
  modelListSchema,
  openAiErrorSchema,
  type ChatCompletionRequest,
  type OpenAiMessage,
} from '../schemas/openai.ts';
import type { GenerationOutcome } from '../services/generation.ts';
import type { ConversationMessage } from '../services/model-prompt.ts';
import type { StatelessRequest } from '../services/stateless-generation.ts';
import { openAiErrorBody } from '../errors/openai-error.ts';
import { generateWhole, streamStateless } from './generation-response.ts';
import { listModelsTimeoutMs } from './models.ts';

const tags = ['OpenAI-compatible'];

const errorContent = (description: string) => ({
  description,
  content: { 'application/json': { schema: openAiErrorSchema } },
});
const errorResponses = {
  400: errorContent('Invalid request'),
  401: errorContent('Missing, wrong, expired or revoked API key (authentication_error, invalid_api_key)'),
  403: errorContent("Not allowed: a model outside the key's list (permission_error)"),
  404: errorContent('Unknown model'),
  413: errorContent('Body too large'),
  415: errorContent('Body is not JSON'),
  429: errorContent('The upstream rate limit could not be waited out'),
  502: errorContent('The model server answered with an error'),
  503: errorContent('The model server cannot be reached'),
  504: errorContent('The model server did not answer in time'),
} as const;

const finishReasons: Record<string, 'stop' | 'length' | 'content_filter' | 'tool_calls'> = {
  stop: 'stop',
  length: 'length',
  'content-filter': 'content_filter',
  'tool-calls': 'tool_calls',
};
const finishReasonOf = (outcome: GenerationOutcome) => finishReasons[outcome.finishReason ?? ''] ?? 'stop';

const usageOf = (outcome: GenerationOutcome) => {
  const prompt = outcome.inputTokens ?? 0;
  const completion = outcome.outputTokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
};

const textOf = (content: OpenAiMessage['content']) =>
  typeof content === 'string' ? content : (content ?? []).map((part) => part.text).join('');

/**
 * OpenAI's messages as a system prompt (the leading system/developer messages) and a conversation
 * (later system messages stay where they are). Empty assistant turns are left out.
 */
function toConversation(messages: readonly OpenAiMessage[]): { system?: string; messages: ConversationMessage[] } {
  const leading: string[] = [];
  const conversation: ConversationMessage[] = [];
  for (const message of messages) {
    const content = textOf(message.content);
    if (message.role === 'system' || message.role === 'developer') {
      if (conversation.length === 0) leading.push(content);
      else conversation.push({ role: 'system', content });
    } else if (message.role === 'user' || content !== '') conversation.push({ role: message.role, content });
  }
  return leading.length > 0 ? { system: leading.join('\n\n'), messages: conversation } : { messages: conversation };
}

function toStatelessRequest(body: ChatCompletionRequest): StatelessRequest {
  const stop = body.stop ?? undefined;
  return {
    model: body.model,
    ...toConversation(body.messages),
    parameters: {
      temperature: body.temperature ?? undefined,
      top_p: body.top_p ?? undefined,
      max_tokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
      stop: typeof stop === 'string' ? [stop] : stop,
    },
  };
}

/** OpenAI's completion id and creation time, shared by every chunk of one answer. */
function completionIdentity(now: Date) {
  return { id: `chatcmpl-${crypto.randomUUID().replaceAll('-', '')}`, created: Math.floor(now.getTime() / 1000) };
}

/** `POST /v1/chat/completions` and `GET /v1/models` in OpenAI's wire format. Stateless: nothing is stored. */
export function registerOpenAiRoutes(app: OpenAPIHono<AppEnv>, limits: InputLimits): void {
  app.openapi(
    protectedRoute({
      method: 'post',
      path: '/v1/chat/completions',
      tags,
      summary: 'OpenAI\'s chat completions (JSON, or SSE chunks ending in data: [DONE] with "stream": true)',
      description:
        'Any OpenAI client pointed at `<base>/v1` works. The answer names the model that answered (`provider/model`). ' +
        'Leading system/developer messages are the system prompt (the configured SYSTEM_PROMPT applies only without them); later ones stay in place. ' +
        'Streaming sends a role chunk, content chunks, a chunk with `finish_reason`, a usage chunk (`choices: []`) when ' +
        '`stream_options.include_usage` is true, then `data: [DONE]`. A failure after the stream started ends it with ' +
        '`data: {"error":{…}}` and no `[DONE]`. Errors are `{"error":{"message","type","code","param"}}`. Nothing is stored. ' +
        `${streamStartDescription} The role chunk is sent when the model answers.`,
      request: { body: jsonBody(chatCompletionRequestSchema(limits)) },
      responses: {
        200: {
          description: 'The completion (JSON, or SSE when streaming)',
          content: {
            'application/json': { schema: chatCompletionSchema },
            ...sseContent('').content,
          },
        },
        ...errorResponses,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const request = toStatelessRequest(body);
      const { id, created } = completionIdentity(c.var.services.now());
      if (body.stream) {
        const withUsage = body.stream_options?.include_usage === true;
        let model = '';
        const chunk = (delta: Record<string, string>, finishReason: string | null) => ({
          id,
          object: 'chat.completion.chunk',
          created,
          model,
          choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
          ...(withUsage ? { usage: null } : {}),
        });
        return streamStateless(
          c,
          request,
          {
            startEvent: (start) => {
              model = start.model.id;
              return chunk({ role: 'assistant', content: '' }, null);
            },
            tokenEvent: (text) => chunk({ content: text }, null),
            doneEvents: (outcome) => {
              model = outcome.model.id;
              const finish = chunk({}, finishReasonOf(outcome));
              if (!withUsage) return [finish];
              return [finish, { id, object: 'chat.completion.chunk', created, model, choices: [], usage: usageOf(outcome) }];
            },
            endOfStream: '[DONE]',
            errorEvent: openAiErrorBody,
          },
          body.user ?? undefined,
        );
      }
      const { model, outcome } = await generateWhole(c, request, body.user ?? undefined);
      return c.json(
        {
          id,
          object: 'chat.completion' as const,
          created,
          model: model.id,
          choices: [
            {
              index: 0,
              message: { role: 'assistant' as const, content: outcome.text, refusal: null },
              logprobs: null,
              finish_reason: finishReasonOf(outcome),
            },
          ],
          usage: usageOf(outcome),
        },
        200,
      );
    },
  );

  app.openapi(
    protectedRoute({
      method: 'get',
      path: '/v1/models',
      tags,
      summary: "The models and aliases that can be called, in OpenAI's list format",
      description: 'Providers that do not answer are left out; `created` is 0 where the provider gives no date.',
      responses: {
        200: { description: 'Models', content: { 'application/json': { schema: modelListSchema } } },
        401: errorResponses[401],
        403: errorResponses[403],
        502: errorResponses[502],
        503: errorResponses[503],
        504: errorResponses[504],
      },
    }),
    async (c) => {
      const signal = AbortSignal.any([c.req.raw.signal, AbortSignal.timeout(listModelsTimeoutMs)]);
      const models = await c.var.services.registry.listModels(signal);
      const data = models
        .filter((model) => model.available !== false)
        .map((model) => {
          const modified = model.modified_at === undefined ? Number.NaN : Date.parse(model.modified_at);
          return {
            id: model.name,
            object: 'model' as const,
            created: Number.isNaN(modified) ? 0 : Math.floor(modified / 1000),
            owned_by: model.provider,
          };
        });
      return c.json({ object: 'list' as const, data }, 200);
    },
  );
}
