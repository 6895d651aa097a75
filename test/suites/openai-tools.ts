import { jsonSchema, stepCountIs, generateText, tool } from 'ai';
import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { aiSdkProvider, openAiClient, openAiError } from '../helpers/openai-client.ts';
import { parseSse } from '../helpers/sse.ts';
import { useHarness, type CreateHarness, type Harness } from './harness.ts';

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'The current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

const weatherCall = { name: 'get_weather', arguments: { city: 'Paris' } };

const question = { model: 'ollama/llama3.2', messages: [{ role: 'user' as const, content: 'Weather in Paris?' }] };

async function ollamaChats(app: Harness): Promise<Record<string, unknown>[]> {
  return (await app.ollama.requests())
    .filter((request) => request.path === '/api/chat')
    .map((request) => request.body as Record<string, unknown>);
}

/** Function calling on /v1/chat/completions, against Ollama (message.tool_calls in /api/chat chunks). */
export function describeOpenAiTools(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('function calling (Ollama)', () => {
    it('answers message.tool_calls with content null and finish_reason tool_calls, and sends the tools to Ollama', async () => {
      const app = await start({ ollama: { tokens: [], toolCalls: [weatherCall] } });
      const completion = await openAiClient(app).chat.completions.create({ ...question, tools: [weatherTool] });
      const [choice] = completion.choices;
      expect(choice?.finish_reason).toBe('tool_calls');
      expect(choice?.message.content).toBeNull();
      expect(choice?.message.tool_calls).toEqual([
        { id: expect.any(String) as string, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      ]);
      const [upstream] = await ollamaChats(app);
      expect(upstream?.['tools']).toEqual([
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'The current weather in a city',
            parameters: weatherTool.function.parameters,
          },
        },
      ]);
    });

    it("streams tool calls in OpenAI's delta.tool_calls framing, which the SDK's stream helper assembles", async () => {
      const calls = [weatherCall, { name: 'get_weather', arguments: { city: 'Oslo' } }];
      const app = await start({ ollama: { tokens: ['Checking.'], toolCalls: calls } });
      const raw = await app.post('/v1/chat/completions', { ...question, tools: [weatherTool], stream: true });
      const chunks = parseSse(await raw.text()).flatMap((event) => (event.data ? [event.data] : []));
      const deltas = chunks.map((chunk) => (chunk['choices'] as { delta: Record<string, unknown> }[])[0]?.delta);
      const toolDeltas = deltas.flatMap((delta) => (delta?.['tool_calls'] as Record<string, unknown>[] | undefined) ?? []);
      expect(toolDeltas[0]).toEqual({
        index: 0,
        id: expect.any(String) as string,
        type: 'function',
        function: { name: 'get_weather', arguments: '' },
      });
      expect(toolDeltas[1]).toEqual({ index: 0, function: { arguments: '{"city":"Paris"}' } });
      expect(toolDeltas[2]).toMatchObject({ index: 1, type: 'function', function: { name: 'get_weather', arguments: '' } });
      expect(toolDeltas[3]).toEqual({ index: 1, function: { arguments: '{"city":"Oslo"}' } });
      expect((chunks.at(-1)?.['choices'] as { finish_reason: string }[])[0]?.finish_reason).toBe('tool_calls');

      await app.ollama.setBehaviour({ tokens: ['Checking.'], toolCalls: calls });
      const stream = openAiClient(app).chat.completions.stream({ ...question, tools: [weatherTool] });
      const final = await stream.finalChatCompletion();
      expect(final.choices[0]?.finish_reason).toBe('tool_calls');
      expect(final.choices[0]?.message.content).toBe('Checking.');
      expect(final.choices[0]?.message.tool_calls?.map((call) => call.type === 'function' && call.function)).toEqual([
        { name: 'get_weather', arguments: '{"city":"Paris"}' },
        { name: 'get_weather', arguments: '{"city":"Oslo"}' },
      ]);
    });

    it('sends a tool round trip back to Ollama: the assistant tool_calls as objects and the tool result', async () => {
      const app = await start({ ollama: { tokens: ['It is sunny.'] } });
      const messages: OpenAI.ChatCompletionMessageParam[] = [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"sky":"sunny"}' },
      ];
      const completion = await openAiClient(app).chat.completions.create({
        model: 'ollama/llama3.2',
        messages,
        tools: [weatherTool],
      });
      expect(completion.choices[0]?.message.content).toBe('It is sunny.');
      const [upstream] = await ollamaChats(app);
      expect(upstream?.['messages']).toEqual([
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: { city: 'Paris' } } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"sky":"sunny"}' },
      ]);
    });

    it("runs the SDK's runTools loop: the tool is called and its result answered", async () => {
      const app = await start();
      await app.ollama.enqueue({ tokens: [], toolCalls: [weatherCall] }, { tokens: ['Sunny in Paris.'] });
      const cities: string[] = [];
      const runner = openAiClient(app).chat.completions.runTools({
        ...question,
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_weather',
              description: 'The current weather in a city',
              parameters: weatherTool.function.parameters,
              parse: (input: string) => JSON.parse(input) as { city: string },
              function: ({ city }: { city: string }) => {
                cities.push(city);
                return { sky: 'sunny' };
              },
            },
          },
        ],
      });
      expect(await runner.finalContent()).toBe('Sunny in Paris.');
      expect(cities).toEqual(['Paris']);
      const second = (await ollamaChats(app))[1];
      expect((second?.['messages'] as Record<string, unknown>[]).at(-1)).toMatchObject({
        role: 'tool',
        content: '{"sky":"sunny"}',
      });
    });

    it("works with the AI SDK's generateText and tools through createOpenAI({ baseURL })", async () => {
      const app = await start();
      await app.ollama.enqueue({ tokens: [], toolCalls: [weatherCall] }, { tokens: ['Sunny.'] });
      const result = await generateText({
        model: aiSdkProvider(app).chat('ollama/llama3.2'),
        prompt: 'Weather in Paris?',
        tools: {
          get_weather: tool({
            description: 'The current weather in a city',
            inputSchema: jsonSchema<{ city: string }>(weatherTool.function.parameters as never),
            execute: ({ city }) => Promise.resolve({ city, sky: 'sunny' }),
          }),
        },
        stopWhen: stepCountIs(2),
        maxRetries: 0,
      });
      expect(result.text).toBe('Sunny.');
      expect(result.steps[0]?.toolCalls.map((call) => [call.toolName, call.input])).toEqual([['get_weather', { city: 'Paris' }]]);
    });

    it('keeps tool_choice none by sending no tools, and refuses what Ollama cannot do with 400 naming the field', async () => {
      const app = await start();
      const none = await openAiClient(app).chat.completions.create({ ...question, tools: [weatherTool], tool_choice: 'none' });
      expect(none.choices[0]?.message.content).toBe('Hello, world!');
      expect((await ollamaChats(app))[0]?.['tools']).toBeUndefined();

      const refused: [Record<string, unknown>, string][] = [
        [{ tool_choice: 'required' }, 'tool_choice'],
        [{ tool_choice: { type: 'function', function: { name: 'get_weather' } } }, 'tool_choice'],
        [{ parallel_tool_calls: false }, 'parallel_tool_calls'],
      ];
      for (const [extra, param] of refused) {
        const error = await openAiError(
          await app.post('/v1/chat/completions', { ...question, tools: [weatherTool], ...extra }),
          400,
        );
        expect(error, JSON.stringify(extra)).toMatchObject({ type: 'invalid_request_error', param });
      }
      const unknown = await app.post('/v1/chat/completions', {
        ...question,
        tools: [weatherTool],
        tool_choice: { type: 'function', function: { name: 'other' } },
      });
      expect((await openAiError(unknown, 400))['param']).toBe('tool_choice');
      const badArguments = await app.post('/v1/chat/completions', {
        model: 'ollama/llama3.2',
        messages: [
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{' } }],
          },
        ],
      });
      expect((await openAiError(badArguments, 400))['param']).toBe('messages.0.tool_calls.0.function.arguments');
      expect(await app.ollama.hits('/api/chat')).toBe(1);
    });
  });
}
