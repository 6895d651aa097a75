import type {
  LanguageModelV4FilePart,
  LanguageModelV4Message,
  LanguageModelV4Prompt,
  LanguageModelV4TextPart,
  LanguageModelV4ToolCallPart,
  LanguageModelV4ToolResultPart,
} from '@ai-sdk/provider';

/**
 * An image of a user message: a `data:` URL (with its bytes as base64) or an https URL. `base64` is
 * set for data URLs, and for https URLs once fetched for a provider that takes only inline images.
 */
export interface ImageInput {
  url: string;
  /** The full media type (`image/png`) when known. */
  mediaType?: string | undefined;
  base64?: string | undefined;
  /** OpenAI's `image_url.detail`. */
  detail?: 'auto' | 'low' | 'high' | undefined;
  /** The request field it came from, for errors (`messages.1.content.0.image_url.url`). */
  field?: string | undefined;
}

export type UserPart = { type: 'text'; text: string } | { type: 'image'; image: ImageInput };

/** A call the model asked for; `arguments` is the JSON text, as OpenAI carries it. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/**
 * A message of a conversation, as the API stores and sends it. `system` messages come only from
 * clients that send a whole conversation (OpenAI's messages), where they may stand between turns, as
 * do tool calls and tool results. A user message's `content` is its text; `parts`, when present, are
 * its text and images in order.
 */
export type ConversationMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string; parts?: readonly UserPart[] | undefined }
  | { role: 'assistant'; content: string; toolCalls?: readonly ToolCall[] | undefined }
  | { role: 'tool'; toolCallId: string; toolName: string; content: string };

/** How a provider takes images: https URLs as they are (it fetches them), or only inline data. */
export type ImageMode = 'url' | 'inline';

function imagePart(image: ImageInput, mode: ImageMode): LanguageModelV4FilePart {
  const providerOptions = image.detail === undefined ? {} : { providerOptions: { openai: { imageDetail: image.detail } } };
  if (image.base64 !== undefined && image.mediaType !== undefined && (mode === 'inline' || image.url.startsWith('data:')))
    return { type: 'file', mediaType: image.mediaType, data: { type: 'data', data: image.base64 }, ...providerOptions };
  // Only reached for https URLs of providers that fetch them: image-inputs.ts inlines the others first.
  return {
    type: 'file',
    mediaType: image.mediaType ?? 'image',
    data: { type: 'url', url: new URL(image.url) },
    ...providerOptions,
  };
}

const parseArguments = (text: string): unknown => (text.trim() === '' ? {} : JSON.parse(text));

/** The provider-level prompt (LanguageModelV4) for a system prompt and a conversation. */
export function toModelPrompt(
  system: string | undefined,
  messages: readonly ConversationMessage[],
  imageMode: ImageMode = 'url',
): LanguageModelV4Prompt {
  const prompt: LanguageModelV4Prompt = [];
  if (system !== undefined && system !== '') prompt.push({ role: 'system', content: system });
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        prompt.push({ role: 'system', content: message.content });
        break;
      case 'user': {
        const parts: (LanguageModelV4TextPart | LanguageModelV4FilePart)[] =
          message.parts === undefined
            ? [{ type: 'text', text: message.content }]
            : message.parts.map((part) => (part.type === 'text' ? part : imagePart(part.image, imageMode)));
        prompt.push({ role: 'user', content: parts });
        break;
      }
      case 'assistant': {
        const content: (LanguageModelV4TextPart | LanguageModelV4ToolCallPart)[] =
          message.content === '' ? [] : [{ type: 'text', text: message.content }];
        for (const call of message.toolCalls ?? [])
          content.push({ type: 'tool-call', toolCallId: call.id, toolName: call.name, input: parseArguments(call.arguments) });
        prompt.push({ role: 'assistant', content });
        break;
      }
      case 'tool': {
        const result: LanguageModelV4ToolResultPart = {
          type: 'tool-result',
          toolCallId: message.toolCallId,
          toolName: message.toolName,
          output: { type: 'text', value: message.content },
        };
        // Results that follow each other answer one assistant turn: one tool message holds them all.
        const previous: LanguageModelV4Message | undefined = prompt.at(-1);
        if (previous?.role === 'tool') previous.content.push(result);
        else prompt.push({ role: 'tool', content: [result] });
        break;
      }
    }
  }
  return prompt;
}
