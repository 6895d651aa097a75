import { describe, expect, it } from 'vitest';
import { useHarness } from '../suites/harness.ts';
import { createWorkersHarness } from './workers-harness.ts';

describe('GET /metrics on Workers', () => {
  const start = useHarness(createWorkersHarness);

  it('answers 404 naming what to use instead: each isolate would only count itself', async () => {
    const app = await start();
    const response = await app.fetch('/metrics');
    expect(response.status).toBe(404);
    expect((await response.json<{ error: string }>()).error).toMatch(/Workers Logs or Analytics Engine/);
  });
});
