import { z } from '@hono/zod-openapi';
import { usageGroupings } from '../db/usage-store.ts';

const timestamp = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value).toISOString())
  .optional();

export const usageQuery = z
  .object({
    from: timestamp.openapi({ param: { name: 'from', in: 'query' }, description: 'Inclusive; default 30 days before `to`' }),
    to: timestamp.openapi({ param: { name: 'to', in: 'query' }, description: 'Exclusive; default now' }),
    group_by: z
      .enum(usageGroupings)
      .default('model')
      .openapi({ param: { name: 'group_by', in: 'query' }, description: '`day` groups are YYYY-MM-DD in UTC' }),
  })
  .openapi('UsageQuery');

const totals = {
  requests: z
    .number()
    .int()
    .openapi({ description: 'Generations (a request that called a model; retries and fallbacks are one)' }),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  cost_usd: z.number().openapi({ description: 'From MODEL_PRICES; calls without a price or without reported usage add 0' }),
};

export const usageReportSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    group_by: z.enum(usageGroupings),
    rows: z.array(
      z.object({
        group: z.string().nullable().openapi({ description: 'The model, day, key id or user id; null for calls without a key' }),
        ...totals,
      }),
    ),
    totals: z.object(totals),
  })
  .openapi('UsageReport');
