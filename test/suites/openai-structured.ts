import { generateObject, generateText, jsonSchema, Output } from 'ai';
import { describe, expect, it } from 'vitest';
import { aiSdkProvider, openAiClient, openAiError } from '../helpers/openai-client.ts';
import { useHarness, type CreateHarness, type Harness } from './harness.ts';

const personSchema = {
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer' } },
  required: ['name', 'age'],
  additionalProperties: false,
};

const question = { model: 'ollama/llama3.2', messages: [{ role: 'user' as const, content: 'Who is Ada?' }] };

async function lastOllamaChat(app: Harness): Promise<Record<string, unknown>> {
  const calls = (await app.ollama.requests()).filter((request) => request.path === '/api/chat');
  return calls.at(-1)?.body as Record<string, unknown>;
}

/** response_format, seed and the penalties on /v1/chat/completions, against Ollama (`format`, `options`). */
export function describeOpenAiStructuredOutput(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('structured output and sampling fields (Ollama)', () => {
    it('sends a json_schema response_format as Ollama format and the SDK parses the answer', async () => {
      const app = await start({ ollama: { tokens: ['{"name":', '"Ada",', '"age":36}'] } });
      const completion = await openAiClient(app).chat.completions.parse({
        ...question,
        response_format: { type: 'json_schema', json_schema: { name: 'person', schema: personSchema, strict: true } },
      });
      expect(completion.choices[0]?.message.parsed).toEqual({ name: 'Ada', age: 36 });
      expect((await lastOllamaChat(app))['format']).toEqual(personSchema);
    });

    it('sends json_object as format "json", and seed in Ollama\'s options', async () => {
      const app = await start({ ollama: { tokens: ['{}'] } });
      const response = await app.post('/v1/chat/completions', {
        ...question,
        response_format: { type: 'json_object' },
        seed: 42,
      });
      expect(response.status).toBe(200);
      const upstream = await lastOllamaChat(app);
      expect(upstream['format']).toBe('json');
      expect(upstream['options']).toMatchObject({ seed: 42 });
    });

    it("works with the AI SDK's generateObject and generateText's object output through createOpenAI({ baseURL })", async () => {
      const app = await start({ ollama: { tokens: ['{"name":"Ada","age":36}'] } });
      // Deprecated in AI SDK 7 but what many clients still call: it must keep working against this API.
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      const { object } = await generateObject({
        model: aiSdkProvider(app).chat('ollama/llama3.2'),
        schema: jsonSchema<{ name: string; age: number }>(personSchema as never),
        prompt: 'Who is Ada?',
        maxRetries: 0,
      });
      expect(object).toEqual({ name: 'Ada', age: 36 });
      expect((await lastOllamaChat(app))['format']).toMatchObject({ type: 'object', required: ['name', 'age'] });

      const { output } = await generateText({
        model: aiSdkProvider(app).chat('ollama/llama3.2'),
        output: Output.object({ schema: jsonSchema<{ name: string; age: number }>(personSchema as never) }),
        prompt: 'Who is Ada?',
        maxRetries: 0,
      });
      expect(output).toEqual({ name: 'Ada', age: 36 });
    });

    it('refuses penalties and logit_bias with 400 naming them (the Ollama provider cannot pass them), zero penalties pass', async () => {
      const app = await start();
      for (const [extra, param] of [
        [{ frequency_penalty: 0.5 }, 'frequency_penalty'],
        [{ presence_penalty: -1 }, 'presence_penalty'],
        [{ logit_bias: { '50256': -100 } }, 'logit_bias'],
      ] as const) {
        const error = await openAiError(await app.post('/v1/chat/completions', { ...question, ...extra }), 400);
        expect(error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_input', param });
      }
      expect(await app.ollama.hits('/api/chat')).toBe(0);
      const zero = await app.post('/v1/chat/completions', {
        ...question,
        frequency_penalty: 0,
        presence_penalty: 0,
        logit_bias: {},
      });
      expect(zero.status).toBe(200);
    });
  });
}
