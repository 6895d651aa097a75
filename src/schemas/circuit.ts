import { z } from '@hono/zod-openapi';

/** A model's circuit (src/services/circuit-breaker.ts), as /api/health and /api/models show it. */
export const circuitSchema = z
  .object({
    state: z.enum(['closed', 'open', 'half_open']),
    open_until: z.string().nullable().openapi({ description: 'When the cooldown ends and one probe call may go' }),
    failures: z.number().int().openapi({ description: 'Failures counted within the window since the last success' }),
  })
  .openapi('Circuit');
