import { z } from '@hono/zod-openapi';
import { userRoles, type ApiKeyRow } from '../db/auth-schema.ts';
import { modelNameSchema } from './common.ts';

const isoTimestamp = z.iso.datetime({ offset: true });

export const keyLimitsSchema = z
  .object({
    requests_per_minute: z.number().int().min(1).max(1_000_000).optional(),
    concurrent_streams: z.number().int().min(1).max(10_000).optional(),
    tokens_per_day: z.number().int().min(0).max(1_000_000_000_000).optional().openapi({ description: '0: no budget' }),
  })
  .openapi('KeyLimits', { description: "Replace the configured RATE_LIMIT_* defaults for this key's calls" });

export const createKeyBody = z
  .object({
    name: z.string().min(1).max(100),
    expires_at: isoTimestamp.optional(),
    user_id: z.string().min(1).max(100).optional().openapi({ description: 'admin only: the key belongs to this user' }),
    role: z.enum(userRoles).optional().openapi({ description: 'admin only (default user)' }),
    limits: keyLimitsSchema.optional().openapi({ description: 'admin only' }),
    models: z
      .array(modelNameSchema)
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: 'admin only: the models the key may call' }),
  })
  .openapi('CreateKeyRequest');

const keyFields = {
  id: z.uuid(),
  name: z.string(),
  prefix: z.string().openapi({ description: 'The first characters of the key, to tell keys apart' }),
  user_id: z.string(),
  role: z.enum(userRoles),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  limits: keyLimitsSchema.nullable(),
  models: z.array(z.string()).nullable(),
};

export const createdKeySchema = z
  .object({ ...keyFields, key: z.string().openapi({ description: 'The key (`ela_…`): shown only in this answer' }) })
  .openapi('CreatedKey');

export const keySchema = z
  .object({ ...keyFields, last_used_at: z.string().nullable(), revoked_at: z.string().nullable() })
  .openapi('ApiKey');

export const keyListQuery = z.object({
  user_id: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .openapi({ param: { name: 'user_id', in: 'query' }, description: 'admin only' }),
});

export const keyIdParams = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

const keyView = (row: ApiKeyRow) => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  user_id: row.userId,
  role: row.role,
  created_at: row.createdAt,
  expires_at: row.expiresAt,
  limits: row.limits,
  models: row.models,
});

export const toCreatedKey = (row: ApiKeyRow, key: string) => ({ ...keyView(row), key });
export const toKey = (row: ApiKeyRow) => ({ ...keyView(row), last_used_at: row.lastUsedAt, revoked_at: row.revokedAt });
