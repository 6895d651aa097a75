import { z } from '@hono/zod-openapi';
import { modelNameSchema, parametersSchema, usageSchema, type InputLimits } from './common.ts';

export const generateRequestSchema = (limits: InputLimits) =>
  z
    .object({
      prompt: z.string().min(1).max(limits.maxMessageChars),
      model: modelNameSchema.optional(),
      system: z.string().max(limits.maxMessageChars).optional(),
      stream: z.boolean().optional().default(false),
      parameters: parametersSchema(limits).optional(),
    })
    .openapi('GenerateRequest');

export const generateResponseSchema = z
  .object({
    response: z.string(),
    model: z.string(),
    finish_reason: z.string().nullable(),
    usage: usageSchema,
    timestamp: z.string(),
  })
  .openapi('GenerateResponse');

export const legacyGenerateRequestSchema = (limits: InputLimits) =>
  z
    .object({ prompt: z.string().min(1).max(limits.maxMessageChars), stream: z.boolean().optional().default(false) })
    .openapi('V1GenerateRequest');

export const shortGenerateRequestSchema = (limits: InputLimits) =>
  z
    .object({
      prompt: z.string().min(1).max(limits.maxMessageChars),
      model: modelNameSchema.optional(),
      temperature: z.number().min(0).max(2).optional(),
      max_tokens: z.number().int().min(1).max(limits.maxOutputTokens).optional(),
    })
    .openapi('ShortGenerateRequest');

export const askRequestSchema = (limits: InputLimits) =>
  z
    .object({ question: z.string().min(1).max(limits.maxMessageChars), temperature: z.number().min(0).max(2).optional() })
    .openapi('AskRequest');
