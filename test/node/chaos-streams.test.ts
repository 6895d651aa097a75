/**
 * The short chaos run of `npm test` (RELIABILITY.md case 34; `npm run bench:chaos` is the long one):
 * concurrent streams on both stored routes against an upstream scripted per request from a seed, with
 * client aborts, resets mid-stream and 503s before the first token with a fallback. Afterwards every
 * invariant, checked by SQL, holds. A failing seed is printed; CHAOS_SEED=<seed> replays it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkChaosInvariants, waitForQuiet, type Query } from '../../bench/chaos-invariants.ts';
import { runChaosLoad } from '../../bench/chaos-load.ts';
import { chaosPlan } from '../../bench/chaos-plan.ts';
import { startChaosUpstream, type ChaosUpstream } from '../../bench/chaos-upstream.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

const seed = Number(process.env['CHAOS_SEED'] ?? String(Date.now() % 100_000));
const streams = 40;

describe(`chaos: ${String(streams)} concurrent streams with aborts, resets and 503s (seed ${String(seed)})`, () => {
  const plans = chaosPlan(seed, streams);
  let upstream: ChaosUpstream;
  let app: TestApp;

  beforeAll(async () => {
    upstream = await startChaosUpstream(seed, plans);
    app = await startTestApp({
      ollamaUrl: upstream.primaryUrl,
      env: { ...upstream.environment, RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_REQUESTS: '100000', RATE_LIMIT_STREAMS: '100000' },
    });
  });
  afterAll(async () => {
    await app.close();
    await upstream.close();
  });

  it('stores one user and one terminal assistant row per accepted request, no locks, leases or extra usage', async () => {
    const results = await runChaosLoad(app.url, plans);
    const query: Query = (statement, args) => app.query(statement, args);
    await waitForQuiet(query, 10_000);
    const { violations, examples } = await checkChaosInvariants(query, plans, results, upstream.calls);
    const violated = Object.fromEntries(Object.entries(violations).filter(([, count]) => count > 0));
    expect({ seed, violated, examples }).toEqual({ seed, violated: {}, examples: {} });
  }, 60_000);
});
