/**
 * In workerd the AI SDK providers stream on JavaScript web streams (src/streaming/javascript-web-streams.ts,
 * given to them by scripts/worker-streams-plugin.mjs, which vitest.config.ts applies here as the Worker
 * build does): a streamed answer makes none of workerd's own streams but its response body, and every
 * provider kind still answers whole, fails mid-stream as an error event, and is cancelled when the
 * client leaves. The cloud providers' SSE path (TextDecoderStream, the SSE parser, OpenAI's tee) runs
 * here against fake OpenAI and Anthropic servers started by the launcher in Node.
 */
import { inject } from 'vitest';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeUpstreamBehaviour } from '../helpers/fake-upstream-types.ts';
import { parseSse } from '../helpers/sse.ts';
import type { Harness } from '../suites/harness.ts';
import { createWorkersHarness } from './workers-harness.ts';

type CloudKind = 'openai' | 'anthropic';

interface CloudFake {
  url: string;
  state(): Promise<{ hits: number; aborted: number }>;
}

async function launchCloudFake(
  kind: CloudKind,
  options: Partial<FakeUpstreamBehaviour> & { models?: string[] } = {},
): Promise<CloudFake> {
  const launcherUrl = inject('fakeOllamaLauncherUrl');
  const response = await fetch(`${launcherUrl}/cloud-fakes`, { method: 'POST', body: JSON.stringify({ kind, options }) });
  const { url } = await response.json<{ url: string }>();
  return {
    url,
    state: async () =>
      (await fetch(`${launcherUrl}/cloud-fakes/state`, { method: 'POST', body: JSON.stringify({ url }) })).json(),
  };
}

const tokens = ['Streams', ' in', ' JavaScript', ' here'];

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** What these tests ask of every fake (the fake Ollama and the cloud fakes both have it). */
interface Behaviour {
  tokenDelayMs?: number;
  fault?: { kind: 'error-after-tokens'; after: number; message: string };
}

/** The Worker with Ollama (the harness's fake), OpenAI, Anthropic and an OpenAI-compatible `groq`, all fakes. */
async function startWorker(behaviour: Behaviour = {}) {
  const openai = await launchCloudFake('openai', { tokens, ...behaviour });
  const anthropic = await launchCloudFake('anthropic', { tokens, ...behaviour });
  const groq = await launchCloudFake('openai', { tokens, models: ['llama-3.1-8b-instant'], ...behaviour });
  harness = await createWorkersHarness({
    ollama: { tokens, ...behaviour },
    env: {
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: `${openai.url}/v1`,
      OPENAI_MODELS: 'gpt-4o-mini',
      ANTHROPIC_API_KEY: 'sk-ant-test',
      ANTHROPIC_BASE_URL: `${anthropic.url}/v1`,
      ANTHROPIC_MODELS: 'claude-haiku-4-5',
      OPENAI_COMPATIBLE_PROVIDERS: 'groq',
      GROQ_BASE_URL: `${groq.url}/v1`,
      GROQ_API_KEY: 'gsk-test',
      GROQ_MODELS: 'llama-3.1-8b-instant',
    },
  });
  return { worker: harness, fakes: { openai, anthropic, groq } };
}

const models = {
  ollama: 'llama3.2',
  openai: 'openai/gpt-4o-mini',
  anthropic: 'anthropic/claude-haiku-4-5',
  groq: 'groq/llama-3.1-8b-instant',
};
const streamBody = (model: string) => ({ model, messages: [{ role: 'user', content: 'Hi' }], stream: true });
const textOf = (events: ReturnType<typeof parseSse>) =>
  events
    .map((event) => (event.data as { choices?: { delta?: { content?: string } }[] } | undefined)?.choices?.[0]?.delta?.content)
    .filter((content) => content !== undefined)
    .join('');

const streamClasses = ['ReadableStream', 'WritableStream', 'TransformStream', 'TextDecoderStream'] as const;

/** Counts the streams of workerd's own classes constructed while `work` runs. */
async function countNativeStreams(work: () => Promise<void>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const globals = globalThis as unknown as Record<string, new (...args: unknown[]) => object>;
  const originals = streamClasses.map((name) => [name, globals[name] as new (...args: unknown[]) => object] as const);
  for (const [name, original] of originals) {
    counts[name] = 0;
    Object.defineProperty(globalThis, name, {
      configurable: true,
      writable: true,
      value: new Proxy(original, {
        construct(target, args, newTarget) {
          counts[name] = (counts[name] ?? 0) + 1;
          return Reflect.construct(target, args, newTarget) as object;
        },
      }),
    });
  }
  try {
    await work();
  } finally {
    for (const [name, original] of originals)
      Object.defineProperty(globalThis, name, { configurable: true, writable: true, value: original });
  }
  return counts;
}

describe('the providers on JavaScript web streams (workerd)', () => {
  for (const [kind, model] of Object.entries(models)) {
    it(`streams a whole ${kind} answer making no stream of workerd's but the response body`, async () => {
      const { worker } = await startWorker();
      // Warm: the first call also builds the app and its providers.
      await (await worker.post('/v1/chat/completions', streamBody(model))).text();
      let text = '';
      const counts = await countNativeStreams(async () => {
        text = await (await worker.post('/v1/chat/completions', streamBody(model))).text();
      });
      const events = parseSse(text);
      expect(textOf(events)).toBe(tokens.join(''));
      expect(events.at(-1)?.raw).toBe('[DONE]');
      // Two: the answer's body (src/streaming/sse-stream.ts) and this test's client wrapping it (client-fetch.ts).
      expect(counts).toEqual({ ReadableStream: 2, WritableStream: 0, TransformStream: 0, TextDecoderStream: 0 });
    });
  }

  for (const kind of ['openai', 'anthropic'] as const) {
    it(`ends a ${kind} answer that fails after it started with an error event and no [DONE]`, async () => {
      const { worker } = await startWorker({ fault: { kind: 'error-after-tokens', after: 2, message: 'overloaded' } });
      const events = parseSse(await (await worker.post('/v1/chat/completions', streamBody(models[kind]))).text());
      expect(textOf(events)).toBe(tokens.slice(0, 2).join(''));
      expect(events.some((event) => event.raw === '[DONE]')).toBe(false);
      expect((events.at(-1)?.data as { error?: { code?: string } }).error?.code).toBe('upstream_error');
    });

    it(`cancels the ${kind} call when the client leaves mid-answer`, async () => {
      const { worker, fakes } = await startWorker({ tokenDelayMs: 50 });
      const controller = new AbortController();
      const response = await worker.post('/v1/chat/completions', streamBody(models[kind]), { signal: controller.signal });
      const reader = response.body?.getReader();
      const first = await reader?.read();
      expect(first?.done).toBe(false);
      controller.abort();
      await reader?.read().catch(() => undefined);
      let state = await fakes[kind].state();
      for (let waited = 0; state.aborted === 0 && waited < 3000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        state = await fakes[kind].state();
      }
      expect(state).toEqual({ hits: 1, aborted: 1 });
    });
  }
});
