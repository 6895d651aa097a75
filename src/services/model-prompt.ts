import type { LanguageModelV4Prompt } from '@ai-sdk/provider';

/** A text message of a conversation, as the API stores and sends it. */
export interface ConversationMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** The provider-level prompt (LanguageModelV4) for a system prompt and text messages. */
export function toModelPrompt(system: string | undefined, messages: readonly ConversationMessage[]): LanguageModelV4Prompt {
  const prompt: LanguageModelV4Prompt = [];
  if (system !== undefined && system !== '') prompt.push({ role: 'system', content: system });
  for (const message of messages) {
    prompt.push({ role: message.role, content: [{ type: 'text', text: message.content }] });
  }
  return prompt;
}
