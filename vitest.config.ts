import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { fileURLToPath } from 'node:url';
import { defineConfig, defineProject } from 'vitest/config';
import { workerStreamsVitePlugin } from './scripts/worker-streams-plugin.mjs';

const timeouts = { testTimeout: 15_000, hookTimeout: 15_000 };

/**
 * The Worker inside workerd (Miniflare), with a local D1 that gets the same migrations as production.
 * The tests run the sources (wrangler.toml's `main` is their bundle) with the Worker build's one
 * plugin: the AI SDK providers on JavaScript web streams (scripts/worker-streams-plugin.mjs).
 */
const workers = defineProject({
  plugins: [
    workerStreamsVitePlugin,
    cloudflareTest(async ({ inject }) => ({
      main: './src/entry/worker.ts',
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(fileURLToPath(new URL('./drizzle', import.meta.url))),
          LOG_LEVEL: 'silent',
          OLLAMA_BASE_URL: inject('selfFakeOllamaUrl'),
          KEEPALIVE_SECONDS: '0.1',
          // wrangler.toml sets AUTH_REQUIRED = "true"; the deployed-Worker tests authenticate with this key.
          ADMIN_API_KEY: 'test-admin-key-for-workerd-0123456789abcdef',
        },
      },
    })),
  ],
  test: {
    name: 'workers',
    include: ['test/workers/**/*.test.ts'],
    globalSetup: ['test/workers/global-setup.ts'],
    setupFiles: ['test/workers/apply-migrations.ts'],
    ...timeouts,
  },
});

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/build-before-tests.ts'],
          exclude: ['test/workers/**', '**/node_modules/**'],
          ...timeouts,
        },
      },
      workers,
    ],
  },
});
