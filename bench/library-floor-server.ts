/**
 * What the libraries alone cost, for `npm run bench` to set beside the gateway: Hono on
 * @hono/node-server, the gateway's Node upstream fetch (src/entry/node-fetch.ts) and one AI SDK
 * provider call, with none of the gateway's own work (no validation, time limits, retries, guard or
 * answer headers). Same Node flags as `npm start`. Env: UPSTREAM_URL (the bench's fake upstream),
 * PORT (default 0). Prints its URL, then serves on 127.0.0.1:
 * - POST /v1/chat/completions?call=stream    the provider's chat model, doStream read to the end (what the gateway does)
 * - POST /v1/chat/completions?call=generate  the same model's doGenerate (one non-streaming upstream call)
 *   with `provider=openai` (default: @ai-sdk/openai `.chat()`), `compatible` (@ai-sdk/openai-compatible),
 *   `anthropic` (@ai-sdk/anthropic) or `ollama` (ollama-ai-provider-v2); the body's model, without its
 *   `provider/` prefix, is the model asked for
 * - POST /api/generate                       ollama-ai-provider-v2 `llama3.2`, doStream read to the end
 * Each answers `{"response": text}`. Providers are made once, as the gateway makes them.
 */
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV4, LanguageModelV4Prompt } from '@ai-sdk/provider';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { createOllama } from 'ollama-ai-provider-v2';
import { createNodeFetch } from '../src/entry/node-fetch.ts';

const upstreamUrl = process.env['UPSTREAM_URL'] ?? 'http://127.0.0.1:11434';
const fetch = createNodeFetch();
const openAi = createOpenAI({ baseURL: `${upstreamUrl}/v1`, apiKey: 'bench-key', fetch });
const ollama = createOllama({ baseURL: `${upstreamUrl}/api`, fetch });
const compatible = createOpenAICompatible({ name: 'compatible', baseURL: `${upstreamUrl}/v1`, apiKey: 'bench-key', fetch });
const anthropic = createAnthropic({ baseURL: `${upstreamUrl}/v1`, apiKey: 'bench-key', fetch });
const chatModels: Record<string, (name: string) => LanguageModelV4> = {
  openai: (name) => openAi.chat(name),
  compatible: (name) => compatible.chatModel(name),
  anthropic: (name) => anthropic.messages(name),
  ollama: (name) => ollama(name),
};
const modelCache = new Map<string, LanguageModelV4>();
function chatModel(provider: string, name: string): LanguageModelV4 {
  const key = `${provider}/${name}`;
  let model = modelCache.get(key);
  if (!model) {
    model = (chatModels[provider] ?? chatModels['openai']!)(name);
    modelCache.set(key, model);
  }
  return model;
}

const promptOf = (text: string): LanguageModelV4Prompt => [{ role: 'user', content: [{ type: 'text', text }] }];

async function streamedText(model: LanguageModelV4, text: string): Promise<string> {
  const { stream } = await model.doStream({ prompt: promptOf(text) });
  const reader = stream.getReader();
  const texts: string[] = [];
  for (;;) {
    const next = await reader.read();
    if (next.done) return texts.join('');
    if (next.value.type === 'text-delta') texts.push(next.value.delta);
  }
}

const app = new Hono();
app.post('/v1/chat/completions', async (c) => {
  const body = await c.req.json<{ model: string; messages: { content: string }[] }>();
  const model = chatModel(c.req.query('provider') ?? 'openai', body.model.replace(/^[\w-]+\//, ''));
  const text = body.messages.at(-1)?.content ?? '';
  if (c.req.query('call') === 'generate') {
    const answer = await model.doGenerate({ prompt: promptOf(text) });
    return c.json({ response: answer.content.map((part) => (part.type === 'text' ? part.text : '')).join('') });
  }
  return c.json({ response: await streamedText(model, text) });
});
app.post('/api/generate', async (c) => {
  const body = await c.req.json<{ prompt: string }>();
  return c.json({ response: await streamedText(ollama('llama3.2'), body.prompt) });
});

const server = serve(
  { fetch: app.fetch, port: Number(process.env['PORT'] ?? '0'), hostname: '127.0.0.1' },
  (info: AddressInfo) => {
    console.log(`http://127.0.0.1:${String(info.port)}`);
  },
);
if ('keepAliveTimeout' in server) server.keepAliveTimeout = 100_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
