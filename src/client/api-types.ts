/**
 * The bodies the API answers with, inferred from the server's own zod schemas (type-only imports:
 * nothing of the server is bundled with a client that uses these).
 */
import type { z } from '@hono/zod-openapi';
import type { ModelInfo, ProviderHealth } from '../providers/model-provider.ts';
import type { healthSchema, readySchema } from '../routes/health.ts';
import type { chatResponseSchema } from '../schemas/chat.ts';
import type { generateResponseSchema } from '../schemas/generate.ts';
import type { conversationSchema, historyListSchema } from '../schemas/history.ts';
import type { createdKeySchema, createKeyBody, keySchema } from '../schemas/keys.ts';
import type { usageReportSchema } from '../schemas/usage.ts';

export type ChatAnswer = z.infer<typeof chatResponseSchema>;
export type GenerateAnswer = z.infer<typeof generateResponseSchema>;
export type ConversationList = z.infer<typeof historyListSchema>;
export type Conversation = z.infer<typeof conversationSchema>;
export type StoredMessage = Conversation['messages'][number];
export type CreateKeyRequest = z.infer<typeof createKeyBody>;
export type CreatedKey = z.infer<typeof createdKeySchema>;
export type ApiKey = z.infer<typeof keySchema>;
export type Health = z.infer<typeof healthSchema>;
export type Readiness = z.infer<typeof readySchema>;
export type { ModelInfo, ProviderHealth };

/** The last event of POST /api/chat/stream (API.md § Chat with history). */
export interface ChatDoneEvent {
  done: true;
  conversation_id: string;
  message_id: string;
  model: string;
  finish_reason: string | null;
  usage: { input_tokens: number | null; output_tokens: number | null };
}

/** GET /api/usage (API.md § Limits and usage). */
export type UsageReport = z.infer<typeof usageReportSchema>;
export type UsageGroupBy = UsageReport['group_by'];
export type UsageCounts = UsageReport['totals'];
