/**
 * The chaos run's upstream: the tests' fake Ollama as the primary model and their fake OpenAI as the
 * fallback (an OpenAI-compatible provider), each scripted per request from the chaos plan
 * (chaos-plan.ts): a reset mid-stream after the planned tokens, a 503 before the first token (so the
 * alias's chain moves to the fallback), or the whole answer. Counts the model calls each request got.
 */
import { startFakeOllama } from '../test/helpers/fake-ollama.ts';
import { startFakeOpenAI } from '../test/helpers/fake-openai.ts';
import { planOf, type ChaosRequestPlan } from './chaos-plan.ts';

export interface ChaosUpstream {
  /** OLLAMA_BASE_URL, the primary model's server. */
  primaryUrl: string;
  /** The fallback provider's base URL (with /v1). */
  fallbackUrl: string;
  /** The API's configuration for this upstream: providers, the `chaos` alias and its chain. */
  environment: Record<string, string>;
  /** Model calls (primary and fallback) per request index. */
  calls: (index: number) => number;
  close(): Promise<void>;
}

/** What requests name: an alias whose chain falls back from Ollama to an OpenAI-compatible provider. */
export const chaosModel = 'chaos';
export const primaryModel = 'ollama/llama3.2';
export const fallbackModel = 'backup/gpt-4o-mini';

/** Ollama's answer when its queue is full (OLLAMA_MAX_QUEUE). */
const busyBody = '{"error":"server busy, please try again.  maximum pending requests exceeded"}';

export async function startChaosUpstream(seed: number, plans: readonly ChaosRequestPlan[]): Promise<ChaosUpstream> {
  const calls = new Map<number, number>();
  const count = (plan: ChaosRequestPlan) => calls.set(plan.index, (calls.get(plan.index) ?? 0) + 1);
  const primary = await startFakeOllama(
    {},
    {
      script: (body) => {
        const plan = planOf(plans, seed, body);
        if (plan === undefined) return undefined;
        count(plan);
        const answer = { tokens: plan.tokens, tokenDelayMs: plan.tokenDelayMs, promptEvalCount: 12 };
        if (plan.fault === 'upstream-503')
          return { ...answer, fault: { kind: 'http-error', status: 503, body: busyBody, contentType: 'application/json' } };
        if (plan.fault === 'upstream-reset')
          return { ...answer, fault: { kind: 'reset-after-tokens', after: plan.resetAfterTokens } };
        return { ...answer, fault: undefined };
      },
    },
  );
  const fallback = await startFakeOpenAI({
    apiKey: 'chaos-fallback-key',
    script: (body) => {
      const plan = planOf(plans, seed, body);
      if (plan === undefined) return undefined;
      count(plan);
      return { tokens: plan.tokens, tokenDelayMs: plan.tokenDelayMs, fault: undefined };
    },
  });
  return {
    primaryUrl: primary.url,
    fallbackUrl: `${fallback.url}/v1`,
    environment: {
      OLLAMA_BASE_URL: primary.url,
      OPENAI_COMPATIBLE_PROVIDERS: 'backup',
      BACKUP_BASE_URL: `${fallback.url}/v1`,
      BACKUP_API_KEY: 'chaos-fallback-key',
      BACKUP_MODELS: 'gpt-4o-mini',
      MODEL_ALIASES: `${chaosModel}=${primaryModel},${fallbackModel}`,
    },
    calls: (index) => calls.get(index) ?? 0,
    async close() {
      await Promise.all([primary.close(), fallback.close()]);
    },
  };
}
