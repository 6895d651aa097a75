import { sql } from 'drizzle-orm';
import { index, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const userRoles = ['user', 'admin'] as const;
export type UserRole = (typeof userRoles)[number];

/** The caller of a request without a credential while auth is off (API.md): owns every older row. */
export const LOCAL_USER_ID = 'local';
/** The user of the `ADMIN_API_KEY` bearer. */
export const ADMIN_USER_ID = 'admin';

/**
 * People and principals. Registered users have an email and a password hash; users from an identity
 * provider's JWT have `jwt_issuer` + `jwt_subject` (created on first sight); `local` and `admin` are
 * built in (inserted by the migration).
 */
export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    /** Lower case; unique among registered users (a JWT's email claim may repeat one). */
    email: text('email'),
    name: text('name'),
    role: text('role', { enum: userRoles }).notNull(),
    /** `pbkdf2-sha256$<iterations>$<salt>$<hash>`: the algorithm and its parameters travel with the hash. */
    passwordHash: text('password_hash'),
    jwtIssuer: text('jwt_issuer'),
    jwtSubject: text('jwt_subject'),
    createdAt: text('created_at').notNull(),
  },
  (table) => [
    uniqueIndex('users_email_idx')
      .on(table.email)
      .where(sql`${table.jwtIssuer} is null`),
    uniqueIndex('users_jwt_identity_idx').on(table.jwtIssuer, table.jwtSubject),
  ],
);

/** Login sessions. Only the SHA-256 of the token (`els_…`) is stored. */
export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    tokenHash: text('token_hash').notNull(),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    revokedAt: text('revoked_at'),
  },
  (table) => [uniqueIndex('sessions_token_hash_idx').on(table.tokenHash), index('sessions_user_idx').on(table.userId)],
);

/** API keys. Only the SHA-256 of the key (`ela_…`) is stored; `prefix` is what lists show. */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull(),
    role: text('role', { enum: userRoles }).notNull(),
    /** JSON `{"requests_per_minute"?, "concurrent_streams"?, "tokens_per_day"?}`, enforced by the limits. */
    limits: text('limits', { mode: 'json' }).$type<KeyLimits>(),
    /** JSON array of the model names (`provider/model` or aliases) the key may call; NULL: any. */
    models: text('models', { mode: 'json' }).$type<string[]>(),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at'),
    /** Written at most once a minute per key (see ApiKeyStore.touch), never on every request. */
    lastUsedAt: text('last_used_at'),
    revokedAt: text('revoked_at'),
  },
  (table) => [uniqueIndex('api_keys_key_hash_idx').on(table.keyHash), index('api_keys_user_idx').on(table.userId)],
);

export interface KeyLimits {
  requests_per_minute?: number | undefined;
  concurrent_streams?: number | undefined;
  tokens_per_day?: number | undefined;
}

export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
