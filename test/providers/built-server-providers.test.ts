/**
 * The cloud providers through the server as `npm start` runs it (dist/server, built with the
 * sync-first validation plugin, scripts/sync-first-validation-plugin.mjs): the other provider tests
 * run the sources in this process, where provider-utils validates chunks as published. Answers stream
 * whole, and a chunk that breaks the provider's schema still ends the answer as an error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANTHROPIC_KEY, OPENAI_KEY } from '../helpers/cloud-test-app.ts';
import { startFakeAnthropic } from '../helpers/fake-anthropic.ts';
import { startFakeOpenAI } from '../helpers/fake-openai.ts';
import type { FakeUpstream } from '../helpers/fake-upstream-server.ts';
import { readSse, type SseEvent } from '../helpers/sse.ts';
import { startRuntimeServer, type RuntimeServer } from '../runtimes/runtime-server.ts';
import { scriptCommand } from '../runtimes/script-command.ts';

const tokens = ['Sync', '-first', ' parse', ' é😀'];

const contentOf = (events: SseEvent[]) =>
  events
    .map((event) => (event.data?.['choices'] as { delta?: { content?: string } }[] | undefined)?.[0]?.delta?.content ?? '')
    .join('');

describe('cloud providers through the built server', () => {
  let openai: FakeUpstream;
  let anthropic: FakeUpstream;
  let server: RuntimeServer;

  beforeAll(async () => {
    openai = await startFakeOpenAI({ apiKey: OPENAI_KEY, tokens });
    anthropic = await startFakeAnthropic({ apiKey: ANTHROPIC_KEY, tokens });
    server = await startRuntimeServer(scriptCommand('serve'), {
      OLLAMA_BASE_URL: 'http://127.0.0.1:9',
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: `${openai.url}/v1`,
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      ANTHROPIC_BASE_URL: `${anthropic.url}/v1`,
      RETRY_MAX_ATTEMPTS: '1',
    });
  }, 90_000);
  afterAll(async () => {
    await server.stop();
    await openai.close();
    await anthropic.close();
  });

  const complete = (model: string, stream: boolean) =>
    fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'Hi' }] }),
    });

  for (const model of ['openai/gpt-4o-mini', 'anthropic/claude-haiku-4-5']) {
    it(`streams ${model}'s answer whole, and answers it as JSON`, async () => {
      const streamed = await complete(model, true);
      expect(streamed.status, server.output()).toBe(200);
      const events = await readSse(streamed);
      expect(contentOf(events)).toBe(tokens.join(''));
      expect(events.at(-1)?.raw).toBe('[DONE]');
      const answered = await complete(model, false);
      expect(answered.status).toBe(200);
      const body = (await answered.json()) as { choices: { message: { content: string }; finish_reason: string }[] };
      expect(body.choices[0]).toMatchObject({ message: { content: tokens.join('') }, finish_reason: 'stop' });
    });
  }

  it('ends the answer as an error when a chunk breaks the OpenAI chunk schema', async () => {
    openai.enqueue({
      fault: {
        kind: 'foreign-body',
        contentType: 'text/event-stream',
        body:
          'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}\n\n' +
          'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":"zero","delta":{"content":5}}]}\n\n' +
          'data: [DONE]\n\n',
      },
    });
    const response = await complete('openai/gpt-4o-mini', true);
    const text = await response.text();
    expect(text).toContain('"content":"Hel"');
    expect(text).not.toContain('"finish_reason":"stop"');
    expect(text).toContain('"code":"upstream_error"');
  });
});
