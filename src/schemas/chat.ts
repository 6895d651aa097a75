import { z } from '@hono/zod-openapi';
import { modelNameSchema, parametersSchema, usageSchema, type InputLimits } from './common.ts';

export const chatRequestSchema = (limits: InputLimits) =>
  z
    .object({
      message: z.string().min(1).max(limits.maxMessageChars),
      model: modelNameSchema.optional(),
      conversation_id: z.uuid().optional(),
      system: z.string().max(limits.maxMessageChars).optional(),
      parameters: parametersSchema(limits).optional(),
    })
    .openapi('ChatRequest');

export type ChatRequestBody = z.infer<ReturnType<typeof chatRequestSchema>>;

export const chatResponseSchema = z
  .object({
    conversation_id: z.uuid(),
    message_id: z.uuid(),
    response: z.string(),
    model: z.string(),
    finish_reason: z.string().nullable(),
    usage: usageSchema,
    timestamp: z.string(),
  })
  .openapi('ChatResponse');
