import { z } from '@hono/zod-openapi';
import { userRoles, type UserRow } from '../db/auth-schema.ts';

export const authMethods = ['session', 'api_key', 'jwt', 'admin_key', 'none', 'metrics_token'] as const;

export const userSchema = z
  .object({
    id: z.string(),
    email: z.string().nullable(),
    name: z.string().nullable(),
    role: z.enum(userRoles),
    created_at: z.string(),
  })
  .openapi('User');

export const registerBody = z
  .object({
    email: z.email().max(254),
    password: z.string().min(8).max(256),
    name: z.string().min(1).max(100).optional(),
  })
  .openapi('RegisterRequest');

export const loginBody = z
  .object({ email: z.string().min(1).max(254), password: z.string().min(1).max(256) })
  .openapi('LoginRequest');

export const loginResponse = z
  .object({
    token: z.string().openapi({ description: 'Session token (`els_…`), also set as the `session` cookie' }),
    expires_at: z.string(),
    user: userSchema,
  })
  .openapi('LoginResponse');

export const meResponse = z.object({ user: userSchema, auth: z.enum(authMethods) }).openapi('Me');

export const toUser = (row: UserRow) => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  created_at: row.createdAt,
});
