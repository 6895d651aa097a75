import { describe, expect, it } from 'vitest';
import { useCloudTestApp, type CloudTestApp } from '../helpers/cloud-test-app.ts';
import { fakeEmbedding } from '../helpers/fake-upstream-types.ts';
import type { FakeUpstream } from '../helpers/fake-upstream-server.ts';
import { openAiClient, openAiError } from '../helpers/openai-client.ts';
import { PNG_BASE64, PNG_DATA_URL } from '../suites/openai-images.ts';

const start = useCloudTestApp();

const imageUrl = 'https://images.example.com/cat.png';
const personSchema = {
  type: 'object',
  properties: { name: { type: 'string' } },
  required: ['name'],
  additionalProperties: false,
};
const withImages = (model: string) => ({
  model,
  messages: [
    {
      role: 'user' as const,
      content: [
        { type: 'text' as const, text: 'Compare' },
        { type: 'image_url' as const, image_url: { url: imageUrl } },
        { type: 'image_url' as const, image_url: { url: PNG_DATA_URL } },
      ],
    },
  ],
});
const ask = (model: string) => ({ model, messages: [{ role: 'user' as const, content: 'Hi' }] });
const lastBody = (fake: FakeUpstream) => fake.requests.at(-1)?.body as Record<string, unknown>;

const kinds: { kind: string; model: string; fake: (app: CloudTestApp) => FakeUpstream }[] = [
  { kind: 'openai', model: 'openai/gpt-4o-mini', fake: (app) => app.openai },
  { kind: 'anthropic', model: 'anthropic/claude-haiku-4-5', fake: (app) => app.anthropic },
  { kind: 'openai-compatible', model: 'groq/llama-3.1-8b-instant', fake: (app) => app.groq },
];

describe.each(kinds)('images, structured output and sampling fields through $kind', ({ kind, model, fake }) => {
  it('passes an https image URL on for the provider to fetch (this API fetches nothing), and a data URL inline', async () => {
    const imageFetches: string[] = [];
    const app = await start({
      imageFetch: (input) => {
        imageFetches.push(input instanceof Request ? input.url : input.toString());
        return Promise.resolve(new Response('nope', { status: 500 }));
      },
    });
    await openAiClient(app).chat.completions.create(withImages(model));
    expect(imageFetches).toEqual([]);
    const [message] = lastBody(fake(app))['messages'] as { content: unknown }[];
    if (kind === 'anthropic') {
      expect(message?.content).toEqual([
        { type: 'text', text: 'Compare' },
        { type: 'image', source: { type: 'url', url: imageUrl } },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
      ]);
    } else {
      expect(message?.content).toEqual([
        { type: 'text', text: 'Compare' },
        { type: 'image_url', image_url: { url: imageUrl } },
        { type: 'image_url', image_url: { url: PNG_DATA_URL } },
      ]);
    }
  });

  it("sends a json_schema response_format in the provider's terms, and the SDK parses the answer", async () => {
    const app = await start();
    fake(app).setBehaviour({ tokens: ['{"name":', '"Ada"}'] });
    const completion = await openAiClient(app).chat.completions.parse({
      ...ask(model),
      response_format: { type: 'json_schema', json_schema: { name: 'person', schema: personSchema, strict: true } },
    });
    expect(completion.choices[0]?.message.parsed).toEqual({ name: 'Ada' });
    const body = lastBody(fake(app));
    if (kind === 'anthropic') expect(body['output_config']).toEqual({ format: { type: 'json_schema', schema: personSchema } });
    else
      expect(body['response_format']).toEqual({
        type: 'json_schema',
        json_schema: { name: 'person', schema: personSchema, strict: true },
      });
  });

  it('passes json_object, seed and the penalties on where the provider has them, else 400 naming the field', async () => {
    const app = await start();
    const extra = { response_format: { type: 'json_object' }, seed: 7, frequency_penalty: 0.5, presence_penalty: 0.25 };
    const response = await app.post('/v1/chat/completions', { ...ask(model), ...extra });
    if (kind === 'anthropic') {
      expect(await openAiError(response, 400)).toMatchObject({ param: 'response_format' });
      const seeded = await app.post('/v1/chat/completions', { ...ask(model), seed: 7 });
      expect(await openAiError(seeded, 400)).toMatchObject({ param: 'seed' });
      const penalised = await app.post('/v1/chat/completions', { ...ask(model), frequency_penalty: 1 });
      expect(await openAiError(penalised, 400)).toMatchObject({ param: 'frequency_penalty' });
      expect(fake(app).hits()).toBe(0);
    } else {
      expect(response.status).toBe(200);
      expect(lastBody(fake(app))).toMatchObject({
        response_format: { type: 'json_object' },
        seed: 7,
        frequency_penalty: 0.5,
        presence_penalty: 0.25,
      });
    }
  });
});

/** The cloud fakes' chat models and OpenAI's embedding model. */
const embeddingEnv = { OPENAI_MODELS: 'gpt-4o-mini,gpt-4o,text-embedding-3-small' };

describe('embeddings per provider kind', () => {
  it.each([
    { kind: 'openai', model: 'openai/text-embedding-3-small', upstream: 'text-embedding-3-small' },
    { kind: 'openai-compatible', model: 'groq/llama-3.1-8b-instant', upstream: 'llama-3.1-8b-instant' },
  ])('embeds through $kind /v1/embeddings with dimensions', async ({ kind, model, upstream }) => {
    const app = await start({ env: embeddingEnv });
    const fake = kind === 'openai' ? app.openai : app.groq;
    const result = await openAiClient(app).embeddings.create({
      model,
      input: ['a', 'bb'],
      dimensions: 4,
      encoding_format: 'float',
    });
    expect(result.model).toBe(model);
    expect(result.data.map((item) => item.embedding)).toEqual([fakeEmbedding('a', 4), fakeEmbedding('bb', 4)]);
    expect(result.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 });
    expect(fake.requests.at(-1)).toMatchObject({
      path: '/v1/embeddings',
      body: { model: upstream, input: ['a', 'bb'], dimensions: 4, encoding_format: 'float' },
    });
  });

  it('answers 400 naming model for Anthropic, which has no embeddings, and calls nothing', async () => {
    const app = await start();
    const response = await app.post('/v1/embeddings', { model: 'anthropic/claude-haiku-4-5', input: 'x' });
    expect(await openAiError(response, 400)).toMatchObject({ type: 'invalid_request_error', param: 'model' });
    expect(app.anthropic.hits()).toBe(0);
  });

  it('retries a passing upstream fault and falls back from a provider without embeddings', async () => {
    const app = await start({
      env: {
        ...embeddingEnv,
        MODEL_ALIASES: 'embed=openai/text-embedding-3-small,anthropic/claude-haiku-4-5,groq/llama-3.1-8b-instant',
      },
    });
    app.openai.enqueue({ fault: { kind: 'http-error', status: 503 } });
    const retried = await openAiClient(app).embeddings.create({ model: 'embed', input: 'x', encoding_format: 'float' });
    expect(retried.model).toBe('openai/text-embedding-3-small');
    expect(app.openai.hits('/v1/embeddings')).toBe(2);
    app.openai.setBehaviour({ fault: { kind: 'http-error', status: 401 } });
    const fallback = await app.post('/v1/embeddings', { model: 'embed', input: 'x' });
    expect(fallback.headers.get('x-model')).toBe('groq/llama-3.1-8b-instant');
    expect(fallback.headers.get('x-fallback-count')).toBe('1');
    expect(app.anthropic.hits()).toBe(0);
  });
});
