import { z } from '@hono/zod-openapi';
import { modelNameSchema, parametersSchema, usageSchema, type InputLimits } from './common.ts';
import { imageDataUrlSchema } from './image-url.ts';

export const chatRequestSchema = (limits: InputLimits) =>
  z
    .object({
      message: z.string().min(1).max(limits.maxMessageChars),
      images: z
        .array(imageDataUrlSchema)
        .max(4)
        .optional()
        .openapi({ description: 'Up to 4 images (data URLs: jpeg, png, webp or gif), stored with the message' }),
      message_id: z.uuid().optional().openapi({
        description:
          'The id the user message gets, picked by the client: the same id again never starts a second turn (409 while it runs, the stored answer after a complete one, generated again after an aborted or failed one)',
      }),
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
