import type { LanguageModelV4Prompt } from '@ai-sdk/provider';

/**
 * A text message of a conversation, as the API stores and sends it. `system` messages come only from
 * clients that send a whole conversation (OpenAI's messages), where they may stand between turns.
 */
export interface ConversationMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The provider-level prompt (LanguageModelV4) for a system prompt and text messages. */
export function toModelPrompt(system: string | undefined, messages: readonly ConversationMessage[]): LanguageModelV4Prompt {
  const prompt: LanguageModelV4Prompt = [];
  if (system !== undefined && system !== '') prompt.push({ role: 'system', content: system });
  for (const message of messages) {
    if (message.role === 'system') prompt.push({ role: 'system', content: message.content });
    else prompt.push({ role: message.role, content: [{ type: 'text', text: message.content }] });
  }
  return prompt;
}
