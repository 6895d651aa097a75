import type { D1Migration } from 'cloudflare:test';

declare global {
  namespace Cloudflare {
    /** Bindings in wrangler.toml plus the test-only ones from vitest.config.ts. */
    interface Env {
      DB: D1Database;
      TEST_MIGRATIONS: D1Migration[];
      ADMIN_API_KEY: string;
    }
    /** Types `exports` of cloudflare:workers: the Worker's module, reached through the runtime. */
    interface GlobalProps {
      mainModule: typeof import('../../src/entry/worker.ts');
    }
  }
}
