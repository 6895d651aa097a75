/**
 * Setup file inside workerd: applies the same drizzle/ migrations `wrangler d1 migrations apply`
 * applies in production to the local D1 binding. Already-applied migrations are skipped, so running
 * it before every test file is safe.
 */
import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
