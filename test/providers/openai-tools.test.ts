import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { useCloudTestApp, type CloudTestApp } from '../helpers/cloud-test-app.ts';
import type { FakeUpstream } from '../helpers/fake-upstream-server.ts';
import { openAiClient, openAiError } from '../helpers/openai-client.ts';

const start = useCloudTestApp();

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'The current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const fakeCalls = [
  { id: 'call_abc123', name: 'get_weather', arguments: '{"city":"Paris"}' },
  { id: 'call_def456', name: 'get_weather', arguments: '{"city":"Oslo"}' },
];
const ask = (model: string) => ({ model, messages: [{ role: 'user' as const, content: 'Weather?' }], tools: [weatherTool] });

const roundTrip = (model: string): OpenAI.ChatCompletionCreateParamsNonStreaming => ({
  model,
  tools: [weatherTool],
  messages: [
    { role: 'user', content: 'Weather in Paris?' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
    },
    { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
  ],
});

const kinds: { kind: string; model: string; fake: (app: CloudTestApp) => FakeUpstream }[] = [
  { kind: 'openai', model: 'openai/gpt-4o-mini', fake: (app) => app.openai },
  { kind: 'anthropic', model: 'anthropic/claude-haiku-4-5', fake: (app) => app.anthropic },
  { kind: 'openai-compatible', model: 'groq/llama-3.1-8b-instant', fake: (app) => app.groq },
];

describe.each(kinds)('function calling through $kind', ({ kind, model, fake }) => {
  it('answers message.tool_calls, content null, finish_reason tool_calls', async () => {
    const app = await start();
    fake(app).setBehaviour({ tokens: [], toolCalls: fakeCalls });
    const completion = await openAiClient(app).chat.completions.create(ask(model));
    const [choice] = completion.choices;
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    expect(choice?.message.tool_calls).toEqual(
      fakeCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })),
    );
  });

  it("streams the provider's tool call pieces in OpenAI's framing, assembled by the SDK", async () => {
    const app = await start();
    fake(app).setBehaviour({ tokens: ['Let me check.'], toolCalls: fakeCalls });
    const final = await openAiClient(app).chat.completions.stream(ask(model)).finalChatCompletion();
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(final.choices[0]?.message.content).toBe('Let me check.');
    expect(final.choices[0]?.message.tool_calls).toEqual(
      fakeCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })),
    );
  });

  it("sends the tools, a forced tool choice and a tool round trip in the provider's own format", async () => {
    const app = await start();
    await openAiClient(app).chat.completions.create({
      ...roundTrip(model),
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
    });
    const body = fake(app).requests.at(-1)?.body as Record<string, unknown>;
    if (kind === 'anthropic') {
      expect(body['tools']).toMatchObject([
        { name: 'get_weather', description: 'The current weather in a city', input_schema: weatherTool.function.parameters },
      ]);
      expect(body['tool_choice']).toEqual({ type: 'tool', name: 'get_weather', disable_parallel_tool_use: true });
      expect(body['messages']).toEqual([
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' }] },
      ]);
    } else {
      expect(body['tools']).toEqual([{ type: 'function', function: weatherTool.function }]);
      expect(body['tool_choice']).toEqual({ type: 'function', function: { name: 'get_weather' } });
      expect(body['parallel_tool_calls']).toBe(false);
      expect(body['messages']).toEqual([
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      ]);
    }
  });

  it("passes tool_choice required on as the provider's own forced mode", async () => {
    const app = await start();
    await openAiClient(app).chat.completions.create({ ...ask(model), tool_choice: 'required' });
    const body = fake(app).requests.at(-1)?.body as Record<string, unknown>;
    expect(body['tool_choice']).toMatchObject(kind === 'anthropic' ? { type: 'any' } : {});
    if (kind !== 'anthropic') expect(body['tool_choice']).toBe('required');
  });
});

describe('features a model drops', () => {
  it("refuses with 400 naming the field when the provider reports that this model cannot do it (Anthropic's forced tool choice)", async () => {
    const app = await start({
      env: { ANTHROPIC_MODELS: 'claude-sonnet-5-5' },
      anthropic: { models: ['claude-sonnet-5-5'] },
    });
    const response = await app.post('/v1/chat/completions', { ...ask('anthropic/claude-sonnet-5-5'), tool_choice: 'required' });
    expect(await openAiError(response, 400)).toMatchObject({ type: 'invalid_request_error', param: 'tool_choice' });
  });

  it('leaves fallbacks that cannot do a feature out of the chain, and refuses when the requested model cannot', async () => {
    const app = await start({
      env: { MODEL_ALIASES: 'cloud-first=openai/gpt-4o-mini,ollama/llama3.2;local-first=ollama/llama3.2,openai/gpt-4o-mini' },
    });
    app.openai.setBehaviour({ fault: { kind: 'http-error', status: 500 } });
    const failed = await app.post('/v1/chat/completions', { ...ask('cloud-first'), tool_choice: 'required' });
    expect(failed.status).toBe(502);
    expect(app.ollama.hits('/api/chat')).toBe(0);
    const refused = await app.post('/v1/chat/completions', { ...ask('local-first'), tool_choice: 'required' });
    expect(await openAiError(refused, 400)).toMatchObject({ param: 'tool_choice' });
    expect(app.ollama.hits('/api/chat')).toBe(0);
  });
});
