import { z } from '@hono/zod-openapi';
import { modelNameSchema, parametersSchema, type InputLimits } from './common.ts';

/** A part of an AI SDK UIMessage: only text parts are read; the others are accepted and ignored. */
const uiMessagePartSchema = z.looseObject({ type: z.string(), text: z.string().optional() });

const uiMessageSchema = z.looseObject({
  id: z.string().max(200),
  role: z.enum(['system', 'user', 'assistant']),
  parts: z.array(uiMessagePartSchema),
});

export type UiMessage = z.infer<typeof uiMessageSchema>;

/** The text of a UIMessage: its text parts joined. */
export const textOf = (message: UiMessage): string =>
  message.parts.flatMap((part) => (part.type === 'text' && part.text !== undefined ? [part.text] : [])).join('');

/**
 * The body `useChat` sends through DefaultChatTransport (`{id, messages, trigger, messageId}`), plus
 * the fields a client may add with `body` (`model`, `system`, `parameters`, as on /api/chat).
 */
export const uiChatRequestSchema = (limits: InputLimits) =>
  z
    .object({
      id: z
        .string()
        .min(1)
        .max(200)
        .regex(/^[\w-]+$/, 'must be letters, digits, _ or -')
        .openapi({ description: "The conversation: a UUID, or any chat id (useChat's own) that names one of the caller's" }),
      messages: z
        .array(uiMessageSchema)
        .min(1)
        .openapi({ description: 'UIMessage[]; only the last (the new user message) is read, the history comes from storage' }),
      trigger: z.enum(['submit-message', 'regenerate-message']).default('submit-message'),
      messageId: z
        .string()
        .max(200)
        .optional()
        .openapi({ description: 'regenerate-message: the answer to replace (the last one); absent means the last one' }),
      model: modelNameSchema.optional(),
      system: z.string().max(limits.maxMessageChars).optional(),
      parameters: parametersSchema(limits).optional(),
    })
    .superRefine((body, context) => {
      if (body.trigger !== 'submit-message') return;
      const index = body.messages.length - 1;
      const last = body.messages[index];
      if (last === undefined) return;
      const text = textOf(last);
      if (last.role !== 'user' || text.length === 0) {
        context.addIssue({
          code: 'custom',
          path: ['messages', index],
          message: 'the last message must be a user message with text',
        });
      } else if (text.length > limits.maxMessageChars) {
        context.addIssue({
          code: 'custom',
          path: ['messages', index, 'parts'],
          message: `the message is longer than ${String(limits.maxMessageChars)} characters`,
        });
      }
      if (body.messageId !== undefined) {
        context.addIssue({ code: 'custom', path: ['messageId'], message: 'editing an earlier message is not supported' });
      }
    })
    .openapi('UiChatRequest');

export type UiChatRequestBody = z.infer<ReturnType<typeof uiChatRequestSchema>>;
