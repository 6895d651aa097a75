import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { ModelRegistry } from '../src/providers/model-registry.ts';
import { createOllamaProvider } from '../src/providers/ollama-provider.ts';
import { localCaller } from '../src/auth/caller.ts';
import { embeddingRoute, runEmbedding } from '../src/services/embedding.ts';
import { runGeneration } from '../src/services/generation.ts';
import { fromChatCompletionRequest } from '../src/services/openai-request.ts';
import { statelessGeneration } from '../src/services/stateless-generation.ts';
import { doneObject, embedObject, toolCallLine } from './helpers/fake-ollama-wire.ts';

/** The services a generation needs, with an Ollama provider that answers from `answer`. */
function servicesAnswering(answer: () => Response) {
  const provider = createOllamaProvider({
    baseUrl: 'http://ollama.invalid',
    fetch: () => Promise.resolve(answer()),
  });
  return {
    config: parseConfig({ LOG_LEVEL: 'silent' }),
    registry: new ModelRegistry([provider], { defaultProvider: 'ollama' }),
    logger: createLogger('silent'),
  };
}

describe('what a generation carries to its end (for the usage record)', () => {
  it("carries the request's user, the tool calls and the token counts to the outcome", async () => {
    const services = servicesAnswering(
      () =>
        new Response(
          toolCallLine('"llama3.2"', [{ name: 'get_weather', arguments: { city: 'Paris' } }]) +
            `${JSON.stringify(doneObject('chat', 'llama3.2', '', { promptEvalCount: 11, evalCount: 5 }))}\n`,
          { headers: { 'content-type': 'application/x-ndjson' } },
        ),
    );
    const request = fromChatCompletionRequest({
      model: 'ollama/llama3.2',
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
      user: 'user-42',
    });
    const outcome = await runGeneration(statelessGeneration(services, localCaller, request).input(new AbortController().signal));
    expect(outcome).toMatchObject({
      status: 'complete',
      user: 'user-42',
      inputTokens: 11,
      outputTokens: 5,
      finishReason: 'tool-calls',
    });
    expect(outcome.toolCalls).toEqual([{ id: expect.any(String) as string, name: 'get_weather', arguments: '{"city":"Paris"}' }]);
  });

  it("carries an embedding call's user, token count and model to its outcome", async () => {
    const services = servicesAnswering(
      () =>
        new Response(JSON.stringify(embedObject('llama3.2', { input: ['abcdefgh'] })), {
          headers: { 'content-type': 'application/json' },
        }),
    );
    const outcome = await runEmbedding(
      services,
      embeddingRoute(services.registry.resolve('ollama/llama3.2')),
      { model: 'ollama/llama3.2', values: ['abcdefgh'], user: 'user-42' },
      new AbortController().signal,
    );
    expect(outcome).toMatchObject({
      user: 'user-42',
      inputTokens: 2,
      attempts: 1,
      fallbackCount: 0,
      model: { id: 'ollama/llama3.2' },
    });
  });
});
