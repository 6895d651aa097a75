import type { JSONSchema7 } from '@ai-sdk/provider';
import { AppError } from '../errors/app-error.ts';
import type { CallFeatures, ToolChoice } from '../providers/call-features.ts';
import type { ChatRequestBody } from '../schemas/chat.ts';
import type { ChatCompletionRequest, OpenAiMessage } from '../schemas/openai.ts';
import { imageInput } from './image-inputs.ts';
import type { ConversationMessage, ToolCall, UserPart } from './model-prompt.ts';

/** What a chat completion request asks for, in this API's terms. */
export interface OpenAiGenerationRequest {
  model: string;
  system?: string;
  messages: ConversationMessage[];
  parameters: NonNullable<ChatRequestBody['parameters']>;
  features: CallFeatures;
  user?: string;
}

const invalid = (field: string, message: string) =>
  new AppError('INVALID_INPUT', 'Invalid input', { details: [{ field, message }] });

const textOf = (content: string | readonly { type: string; text?: string }[] | null | undefined) =>
  typeof content === 'string' ? content : (content ?? []).map((part) => part.text ?? '').join('');

function userMessage(message: Extract<OpenAiMessage, { role: 'user' }>, index: number): ConversationMessage {
  const { content } = message;
  if (typeof content === 'string' || content.every((part) => part.type === 'text'))
    return { role: 'user', content: textOf(content) };
  const parts = content.map((part, partIndex): UserPart =>
    part.type === 'text'
      ? part
      : {
          type: 'image',
          image: imageInput(
            part.image_url.url,
            `messages.${String(index)}.content.${String(partIndex)}.image_url.url`,
            part.image_url.detail ?? undefined,
          ),
        },
  );
  return { role: 'user', content: textOf(content), parts };
}

function toolCallsOf(message: Extract<OpenAiMessage, { role: 'assistant' }>, index: number): ToolCall[] {
  return (message.tool_calls ?? []).map((call, callIndex) => {
    try {
      if (call.function.arguments.trim() !== '') JSON.parse(call.function.arguments);
    } catch {
      throw invalid(`messages.${String(index)}.tool_calls.${String(callIndex)}.function.arguments`, 'must be JSON');
    }
    return { id: call.id, name: call.function.name, arguments: call.function.arguments };
  });
}

/**
 * OpenAI's messages as a system prompt (the leading system/developer messages) and a conversation
 * (later system messages stay where they are). Empty assistant turns are left out. A tool result is
 * matched to the call it answers, whose function name some providers need (Anthropic, Ollama).
 */
function toConversation(messages: readonly OpenAiMessage[]): { system?: string; messages: ConversationMessage[] } {
  const leading: string[] = [];
  const conversation: ConversationMessage[] = [];
  const toolNames = new Map<string, string>();
  for (const [index, message] of messages.entries()) {
    switch (message.role) {
      case 'system':
      case 'developer':
        if (conversation.length === 0) leading.push(textOf(message.content));
        else conversation.push({ role: 'system', content: textOf(message.content) });
        break;
      case 'user':
        conversation.push(userMessage(message, index));
        break;
      case 'assistant': {
        const content = textOf(message.content);
        const toolCalls = toolCallsOf(message, index);
        for (const call of toolCalls) toolNames.set(call.id, call.name);
        if (content !== '' || toolCalls.length > 0)
          conversation.push(toolCalls.length > 0 ? { role: 'assistant', content, toolCalls } : { role: 'assistant', content });
        break;
      }
      case 'tool': {
        const toolName = toolNames.get(message.tool_call_id);
        if (toolName === undefined)
          throw invalid(`messages.${String(index)}.tool_call_id`, 'does not answer a tool call of an earlier assistant message');
        conversation.push({ role: 'tool', toolCallId: message.tool_call_id, toolName, content: textOf(message.content) });
        break;
      }
    }
  }
  return leading.length > 0 ? { system: leading.join('\n\n'), messages: conversation } : { messages: conversation };
}

const emptyObjectSchema: JSONSchema7 = { type: 'object', properties: {} };

function toFeatures(body: ChatCompletionRequest): CallFeatures {
  const features: CallFeatures = {};
  const tools = body.tools ?? [];
  const choice = body.tool_choice ?? undefined;
  if (tools.length > 0) {
    features.tools = tools.map(({ function: tool }) => ({
      name: tool.name,
      description: tool.description ?? undefined,
      parameters: tool.parameters ?? emptyObjectSchema,
      strict: tool.strict ?? undefined,
    }));
    if (body.parallel_tool_calls !== null && body.parallel_tool_calls !== undefined)
      features.parallelToolCalls = body.parallel_tool_calls;
  }
  if (choice !== undefined) {
    const toolChoice: ToolChoice = typeof choice === 'string' ? choice : { name: choice.function.name };
    const forced = typeof toolChoice === 'object' || toolChoice === 'required';
    if (forced && tools.length === 0) throw invalid('tool_choice', 'is only allowed when tools are given');
    if (typeof toolChoice === 'object' && !tools.some((tool) => tool.function.name === toolChoice.name))
      throw invalid('tool_choice', `names no tool of the request ('${toolChoice.name}')`);
    if (tools.length > 0) features.toolChoice = toolChoice;
  }
  const format = body.response_format ?? undefined;
  if (format?.type === 'json_object') features.responseFormat = {};
  if (format?.type === 'json_schema') {
    const { name, description, schema, strict } = format.json_schema;
    features.responseFormat = {
      name,
      description: description ?? undefined,
      schema: (schema ?? undefined) as JSONSchema7 | undefined,
      // OpenAI's default is not strict (the AI SDK's would be).
      strict: strict ?? false,
    };
  }
  if (body.seed !== null && body.seed !== undefined) features.seed = body.seed;
  // A zero penalty and an empty logit_bias are the defaults: nothing to honour.
  if (body.frequency_penalty) features.frequencyPenalty = body.frequency_penalty;
  if (body.presence_penalty) features.presencePenalty = body.presence_penalty;
  if (body.logit_bias && Object.keys(body.logit_bias).length > 0) features.logitBias = body.logit_bias;
  return features;
}

/** A chat completion request as a generation: conversation, parameters, features and the end user. */
export function fromChatCompletionRequest(body: ChatCompletionRequest): OpenAiGenerationRequest {
  const stop = body.stop ?? undefined;
  const max = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  return {
    model: body.model,
    ...toConversation(body.messages),
    parameters: {
      ...(body.temperature === null || body.temperature === undefined ? {} : { temperature: body.temperature }),
      ...(body.top_p === null || body.top_p === undefined ? {} : { top_p: body.top_p }),
      ...(max === undefined ? {} : { max_tokens: max }),
      ...(stop === undefined ? {} : { stop: typeof stop === 'string' ? [stop] : stop }),
    },
    features: toFeatures(body),
    ...(body.user === null || body.user === undefined ? {} : { user: body.user }),
  };
}
