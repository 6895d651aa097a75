import { generateText, streamText } from 'ai';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { aiSdkProvider, openAiClient } from '../helpers/openai-client.ts';
import { parseSse } from '../helpers/sse.ts';
import { useHarness, type CreateHarness, type Harness } from './harness.ts';

const ANSWER = 'Hello, world!';

async function lastUpstreamBody(app: Harness): Promise<Record<string, unknown>> {
  const calls = (await app.ollama.requests()).filter((request) => request.path === '/api/chat');
  expect(calls.length).toBeGreaterThan(0);
  return calls.at(-1)?.body as Record<string, unknown>;
}

async function openAiError(response: Response, status: number) {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  return body.error;
}

const chatBody = (extra: Record<string, unknown> = {}) => ({
  model: 'ollama/llama3.2',
  messages: [{ role: 'user', content: 'Say hello' }],
  ...extra,
});

/** A streamed request the OpenAI SDK's types accept. */
const streamRequest = {
  model: 'ollama/llama3.2',
  messages: [{ role: 'user' as const, content: 'Say hello' }],
  stream: true as const,
};

export function describeOpenAiCompat(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('POST /v1/chat/completions (JSON)', () => {
    it('answers an OpenAI SDK call in the chat.completion shape and stores nothing', async () => {
      const app = await start();
      const completion = await openAiClient(app).chat.completions.create({
        model: 'ollama/llama3.2',
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'Say hello' },
        ],
        temperature: 0.5,
        max_completion_tokens: 100,
        top_p: 0.9,
        stop: 'END',
      });
      expect(completion.object).toBe('chat.completion');
      expect(completion.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
      expect(completion.model).toBe('ollama/llama3.2');
      expect(Math.abs(completion.created - Date.now() / 1000)).toBeLessThan(60);
      expect(completion.choices).toEqual([
        { index: 0, message: { role: 'assistant', content: ANSWER, refusal: null }, logprobs: null, finish_reason: 'stop' },
      ]);
      const usage = completion.usage!;
      expect(usage.completion_tokens).toBe(4);
      expect(usage.prompt_tokens).toBeGreaterThan(0);
      expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);

      const upstream = await lastUpstreamBody(app);
      expect(upstream['model']).toBe('llama3.2');
      expect(upstream['messages']).toEqual([
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Say hello' },
      ]);
      expect(upstream['options']).toEqual({ temperature: 0.5, top_p: 0.9, num_predict: 100, stop: ['END'] });
      expect(await app.query('select id from conversations')).toEqual([]);
      expect(await app.query('select id from messages')).toEqual([]);
    });

    it('sends the whole conversation: leading system prompts joined, later ones in place, text parts joined', async () => {
      const app = await start();
      const response = await app.post(
        '/v1/chat/completions',
        chatBody({
          messages: [
            { role: 'system', content: 'Be terse.' },
            { role: 'developer', content: [{ type: 'text', text: 'Answer in English.' }] },
            { role: 'user', content: 'Hi' },
            { role: 'assistant', content: 'Hello.' },
            { role: 'system', content: 'Now be verbose.' },
            {
              role: 'user',
              content: [
                { type: 'text', text: 'Tell ' },
                { type: 'text', text: 'more' },
              ],
            },
          ],
          max_completion_tokens: 7,
          max_tokens: 99,
          stop: ['a', 'b'],
          presence_penalty: 0,
          user: 'someone',
        }),
      );
      expect(response.status, await response.clone().text()).toBe(200);
      const upstream = await lastUpstreamBody(app);
      expect(upstream['messages']).toEqual([
        { role: 'system', content: 'Be terse.\n\nAnswer in English.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'system', content: 'Now be verbose.' },
        { role: 'user', content: 'Tell more' },
      ]);
      expect(upstream['options']).toMatchObject({ num_predict: 7, stop: ['a', 'b'] });
    });

    it('works as the AI SDK openai provider (chat) expects', async () => {
      const app = await start();
      const provider = aiSdkProvider(app);
      const result = await generateText({ model: provider.chat('ollama/llama3.2'), prompt: 'Say hello', maxRetries: 0 });
      expect(result.text).toBe(ANSWER);
      expect(result.finishReason).toBe('stop');
      expect(result.usage.outputTokens).toBe(4);
    });
  });

  describe('POST /v1/chat/completions (stream)', () => {
    it('streams a role chunk, content chunks, the finish chunk, the usage chunk and [DONE]', async () => {
      const app = await start();
      const response = await app.post(
        '/v1/chat/completions',
        chatBody({ stream: true, stream_options: { include_usage: true } }),
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(response.headers.get('x-model')).toBe('ollama/llama3.2');
      const text = await response.text();
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
      const events = parseSse(text);
      expect(events.at(-1)).toEqual({ raw: '[DONE]' });
      const chunks = events.flatMap((event) => (event.data ? [event.data] : []));
      const [first] = chunks;
      expect(first).toMatchObject({ object: 'chat.completion.chunk', model: 'ollama/llama3.2', usage: null });
      expect(first?.['id']).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
      for (const chunk of chunks) {
        expect(chunk['id']).toBe(first?.['id']);
        expect(chunk['created']).toBe(first?.['created']);
      }
      const choices = chunks.map((chunk) => (chunk['choices'] as Record<string, unknown>[])[0]);
      expect(choices[0]).toEqual({ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null });
      const deltas = choices.slice(1, -2).map((choice) => (choice?.['delta'] as { content: string }).content);
      expect(deltas.join('')).toBe(ANSWER);
      expect(choices.at(-2)).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' });
      const usageChunk = chunks.at(-1)!;
      expect(usageChunk['choices']).toEqual([]);
      expect(usageChunk['usage']).toMatchObject({ completion_tokens: 4 });
      expect(await app.query('select id from messages')).toEqual([]);
    });

    it('leaves usage out unless stream_options.include_usage is set; the OpenAI SDK reads the stream', async () => {
      const app = await start();
      const stream = await openAiClient(app).chat.completions.create(streamRequest);
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(ANSWER);
      expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
      for (const chunk of chunks) expect('usage' in chunk).toBe(false);
    });

    it('streams through the AI SDK openai provider with usage', async () => {
      const app = await start();
      const provider = aiSdkProvider(app);
      const result = streamText({ model: provider.chat('ollama/llama3.2'), prompt: 'Say hello', maxRetries: 0 });
      expect(await result.text).toBe(ANSWER);
      expect(await result.finishReason).toBe('stop');
      expect((await result.usage).outputTokens).toBe(4);
    });

    it('ends a stream that fails after it started with an OpenAI error event and no [DONE]', async () => {
      const app = await start({ ollama: { fault: { kind: 'error-after-tokens', after: 2, message: 'model crashed' } } });
      const response = await app.post('/v1/chat/completions', chatBody({ stream: true }));
      expect(response.status).toBe(200);
      const events = parseSse(await response.text());
      expect(events.some((event) => event.raw === '[DONE]')).toBe(false);
      const last = events.at(-1)?.data as { error: Record<string, unknown> };
      expect(last.error).toMatchObject({ type: 'server_error', code: 'upstream_error', param: null });
      expect(String(last.error['message'])).not.toContain('model crashed');

      await app.ollama.setBehaviour({ fault: { kind: 'error-after-tokens', after: 2, message: 'model crashed' } });
      const stream = await openAiClient(app).chat.completions.create(streamRequest);
      const read = async () => {
        const chunks: unknown[] = [];
        for await (const chunk of stream) chunks.push(chunk);
        return chunks;
      };
      await expect(read()).rejects.toBeInstanceOf(OpenAI.APIError);
    });
  });

  describe('OpenAI errors under /v1', () => {
    it('answers an unknown model with 404 model_not_found, which the SDK raises as NotFoundError', async () => {
      const app = await start();
      const call = openAiClient(app).chat.completions.create({
        model: 'openai/gpt-9',
        messages: [{ role: 'user', content: 'x' }],
      });
      await expect(call).rejects.toMatchObject({
        status: 404,
        code: 'model_not_found',
        param: 'model',
        type: 'invalid_request_error',
      });
      await expect(call).rejects.toBeInstanceOf(OpenAI.NotFoundError);
      const installed = await openAiError(await app.post('/v1/chat/completions', chatBody({ model: 'mistral' })), 404);
      expect(installed).toMatchObject({ code: 'model_not_found', param: 'model' });
      expect(await app.ollama.hits('/api/chat')).toBe(1);
    });

    it('names the bad field of an invalid request in param', async () => {
      const app = await start();
      const cases: [unknown, string][] = [
        [{ model: 'ollama/llama3.2' }, 'messages'],
        [chatBody({ messages: [] }), 'messages'],
        [chatBody({ messages: [{ role: 'tool', content: 'x', tool_call_id: '1' }] }), 'messages.0.tool_call_id'],
        [chatBody({ messages: [{ role: 'function', content: 'x', name: 'f' }] }), 'messages.0.role'],
        [
          chatBody({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }),
          'messages.0.content.0.image_url.url',
        ],
        [
          chatBody({
            messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] }],
          }),
          'messages.0.content',
        ],
        [
          chatBody({ messages: [{ role: 'user', content: [{ type: 'text', text: 'x'.repeat(32_001) }] }] }),
          'messages.0.content.0.text',
        ],
        [chatBody({ temperature: 3 }), 'temperature'],
        [chatBody({ n: 2 }), 'n'],
        [chatBody({ tools: [{ type: 'function', function: { name: 'no spaces' } }] }), 'tools.0.function.name'],
        [chatBody({ tool_choice: 'required' }), 'tool_choice'],
        [chatBody({ response_format: { type: 'xml' } }), 'response_format.type'],
        [chatBody({ seed: 1.5 }), 'seed'],
        [chatBody({ model: 'http://evil.example/x' }), 'model'],
      ];
      for (const [body, param] of cases) {
        const error = await openAiError(await app.post('/v1/chat/completions', body), 400);
        expect(error, JSON.stringify(body)).toMatchObject({ type: 'invalid_request_error', code: 'invalid_input', param });
        expect(String(error['message'])).toContain(param);
      }
      expect(await app.ollama.hits('/api/chat')).toBe(0);
    });

    it('answers malformed JSON, a non-JSON body and an unknown /v1 route in the same shape', async () => {
      const app = await start();
      const malformed = await app.fetch('/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"model":',
      });
      expect(await openAiError(malformed, 400)).toMatchObject({ type: 'invalid_request_error', code: 'invalid_input' });
      const notJson = await app.fetch('/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'hello',
      });
      expect(await openAiError(notJson, 415)).toMatchObject({ code: 'unsupported_media_type' });
      expect(await openAiError(await app.fetch('/v1/nothing'), 404)).toMatchObject({ code: 'not_found' });
      const native = (await (await app.fetch('/api/nothing')).json()) as Record<string, unknown>;
      expect(native['code']).toBe('NOT_FOUND');
    });

    it('answers an unreachable model server with 503 server_error', async () => {
      const app = await start({ unreachableOllama: true });
      const error = await openAiError(await app.post('/v1/chat/completions', chatBody()), 503);
      expect(error).toMatchObject({ type: 'server_error', code: 'service_unavailable', param: null });
      const streamed = await openAiError(await app.post('/v1/chat/completions', chatBody({ stream: true })), 503);
      expect(streamed['code']).toBe('service_unavailable');
    });
  });

  describe('GET /v1/models', () => {
    it("lists the models and aliases in OpenAI's list format, readable by the SDK", async () => {
      const app = await start({ env: { MODEL_ALIASES: 'fast=ollama/llama3.2:1b' } });
      const models = [];
      for await (const model of openAiClient(app).models.list()) models.push(model);
      expect(models).toContainEqual({
        id: 'ollama/llama3.2:latest',
        object: 'model',
        created: expect.any(Number) as number,
        owned_by: 'ollama',
      });
      expect(models).toContainEqual({
        id: 'ollama/llama3.2:1b',
        object: 'model',
        created: expect.any(Number) as number,
        owned_by: 'ollama',
      });
      expect(models).toContainEqual({ id: 'fast', object: 'model', created: 0, owned_by: 'alias' });
      expect(models.find((model) => model.id === 'ollama/llama3.2:latest')?.created).toBeGreaterThan(0);
    });
  });
}
