import type { AnswerStart, GenerationOutcome } from '../services/generation.ts';
import type { ToolCallEvent } from '../services/tool-call-collector.ts';
import { jsonWithText } from './json-with-text.ts';

type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls';

const finishReasons: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  'content-filter': 'content_filter',
  'tool-calls': 'tool_calls',
};

/** OpenAI's finish_reason; an answer with tool calls is `tool_calls` whatever its provider said. */
export function finishReasonOf(outcome: Pick<GenerationOutcome, 'finishReason' | 'toolCalls'>): FinishReason {
  const reason = finishReasons[outcome.finishReason ?? ''] ?? 'stop';
  return outcome.toolCalls.length > 0 && reason === 'stop' ? 'tool_calls' : reason;
}

export const usageOf = (outcome: Pick<GenerationOutcome, 'inputTokens' | 'outputTokens'>) => {
  const prompt = outcome.inputTokens ?? 0;
  const completion = outcome.outputTokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
};

/** OpenAI's completion id and creation time, shared by every chunk of one answer. */
export function completionIdentity(now: Date) {
  return { id: `chatcmpl-${crypto.randomUUID().replaceAll('-', '')}`, created: Math.floor(now.getTime() / 1000) };
}

/** The whole answer as OpenAI's `chat.completion`: `content` is null when the answer is only tool calls. */
export function chatCompletion(identity: { id: string; created: number }, outcome: GenerationOutcome) {
  const { toolCalls } = outcome;
  return {
    ...identity,
    object: 'chat.completion' as const,
    model: outcome.model.id,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant' as const,
          content: outcome.text === '' && toolCalls.length > 0 ? null : outcome.text,
          refusal: null,
          ...(toolCalls.length === 0
            ? {}
            : {
                tool_calls: toolCalls.map((call) => ({
                  id: call.id,
                  type: 'function' as const,
                  function: { name: call.name, arguments: call.arguments },
                })),
              }),
        },
        logprobs: null,
        finish_reason: finishReasonOf(outcome),
      },
    ],
    usage: usageOf(outcome),
  };
}

/**
 * The `chat.completion.chunk` events of one streamed answer, in OpenAI's framing: a role chunk, content
 * chunks, tool calls as `delta.tool_calls` (the first chunk of a call with its `index`, `id`, `type`
 * and `function.name` and empty arguments, later ones `{index, function:{arguments}}` with a piece),
 * the chunk with `finish_reason`, and a usage chunk (`choices: []`) when asked for.
 */
export function createChunkEvents(identity: { id: string; created: number }, withUsage: boolean) {
  let model = '';
  let tokenJson: (text: string) => string = () => {
    throw new Error('a token before the start chunk');
  };
  const chunk = (delta: Record<string, unknown>, finishReason: string | null) => ({
    ...identity,
    object: 'chat.completion.chunk',
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(withUsage ? { usage: null } : {}),
  });
  return {
    start: (start: AnswerStart) => {
      model = start.model.id;
      tokenJson = jsonWithText((text) => chunk({ content: text }, null));
      return chunk({ role: 'assistant', content: '' }, null);
    },
    /** A content chunk as JSON text: its id, model and fields are the same for every token. */
    token: (text: string) => tokenJson(text),
    toolCall: (event: ToolCallEvent) =>
      chunk(
        {
          tool_calls: [
            event.type === 'start'
              ? { index: event.index, id: event.id, type: 'function', function: { name: event.name, arguments: '' } }
              : { index: event.index, function: { arguments: event.arguments } },
          ],
        },
        null,
      ),
    done: (outcome: GenerationOutcome): unknown[] => {
      model = outcome.model.id;
      const finish = chunk({}, finishReasonOf(outcome));
      if (!withUsage) return [finish];
      return [finish, { ...identity, object: 'chat.completion.chunk', model, choices: [], usage: usageOf(outcome) }];
    },
  };
}
