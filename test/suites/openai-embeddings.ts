import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { FAKE_OLLAMA_EMBEDDING_DIMENSIONS } from '../helpers/fake-ollama-wire.ts';
import { fakeEmbedding } from '../helpers/fake-upstream-types.ts';
import { openAiClient, openAiError } from '../helpers/openai-client.ts';
import { useHarness, type CreateHarness } from './harness.ts';

/** The little-endian float32 bytes of the values, in base64 (OpenAI's encoding_format base64). */
function float32Base64(values: number[]): string {
  const bytes = new Uint8Array(new Float32Array(values).buffer);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** POST /v1/embeddings and GET /v1/models/{id}, against Ollama (/api/embed). */
export function describeOpenAiEmbeddings(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('POST /v1/embeddings (Ollama)', () => {
    it("answers an SDK call as floats in OpenAI's shape, through Ollama's /api/embed", async () => {
      const app = await start();
      const result = await openAiClient(app).embeddings.create({
        model: 'ollama/llama3.2',
        input: ['first text', 'second text'],
        encoding_format: 'float',
      });
      expect(result.object).toBe('list');
      expect(result.model).toBe('ollama/llama3.2');
      expect(result.data).toEqual([
        { object: 'embedding', index: 0, embedding: fakeEmbedding('first text', FAKE_OLLAMA_EMBEDDING_DIMENSIONS) },
        { object: 'embedding', index: 1, embedding: fakeEmbedding('second text', FAKE_OLLAMA_EMBEDDING_DIMENSIONS) },
      ]);
      expect(result.usage).toEqual({ prompt_tokens: 6, total_tokens: 6 });
      const [call] = (await app.ollama.requests()).filter((request) => request.path === '/api/embed');
      expect(call?.body).toEqual({ model: 'llama3.2', input: ['first text', 'second text'] });
    });

    it('answers base64 as little-endian float32 bytes, which the SDK decodes, and passes dimensions on', async () => {
      const app = await start();
      const raw = await app.post('/v1/embeddings', {
        model: 'ollama/llama3.2',
        input: 'hello',
        encoding_format: 'base64',
        dimensions: 3,
      });
      const body = (await raw.json()) as { data: { embedding: string }[] };
      expect(body.data[0]?.embedding).toBe(float32Base64(fakeEmbedding('hello', 3)));
      const [call] = (await app.ollama.requests()).filter((request) => request.path === '/api/embed');
      expect(call?.body).toMatchObject({ dimensions: 3 });

      // The SDK asks for base64 by default and decodes it itself.
      const decoded = await openAiClient(app).embeddings.create({ model: 'ollama/llama3.2', input: 'hello' });
      expect(decoded.data[0]?.embedding).toEqual(
        Array.from(new Float32Array(fakeEmbedding('hello', FAKE_OLLAMA_EMBEDDING_DIMENSIONS))),
      );
    });

    it('refuses token arrays and empty input with 400 naming input, and answers an unknown model with 404', async () => {
      const app = await start();
      for (const input of [[1, 2, 3], [[1, 2]], '', []]) {
        const error = await openAiError(await app.post('/v1/embeddings', { model: 'ollama/llama3.2', input }), 400);
        expect(error, JSON.stringify(input)).toMatchObject({ type: 'invalid_request_error', param: 'input' });
      }
      expect(await app.ollama.hits('/api/embed')).toBe(0);
      const missing = await app.post('/v1/embeddings', { model: 'ollama/nomic-embed-text', input: 'x' });
      expect(await openAiError(missing, 404)).toMatchObject({ code: 'model_not_found', param: 'model' });
    });

    it('falls back down an alias chain when the first model fails', async () => {
      const app = await start({ env: { MODEL_ALIASES: 'embed=ollama/missing-model,ollama/llama3.2:1b' } });
      const result = await openAiClient(app).embeddings.create({ model: 'embed', input: 'x', encoding_format: 'float' });
      expect(result.model).toBe('ollama/llama3.2:1b');
      expect(await app.ollama.hits('/api/embed')).toBe(2);
    });
  });

  describe('GET /v1/models/{id}', () => {
    it('answers models.retrieve with the id percent-encoded or raw, and 404 model_not_found for others', async () => {
      const app = await start({ env: { MODEL_ALIASES: 'fast=ollama/llama3.2:1b' } });
      const client = openAiClient(app);
      expect(await client.models.retrieve('ollama/llama3.2:1b')).toMatchObject({
        id: 'ollama/llama3.2:1b',
        object: 'model',
        owned_by: 'ollama',
      });
      expect(await client.models.retrieve('fast')).toEqual({ id: 'fast', object: 'model', created: 0, owned_by: 'alias' });
      const raw = await app.fetch('/v1/models/ollama/llama3.2');
      expect(await raw.json()).toMatchObject({ id: 'ollama/llama3.2:latest', object: 'model' });
      await expect(client.models.retrieve('ollama/nothing')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
      const missing = await openAiError(await app.fetch('/v1/models/openai%2Fgpt-9'), 404);
      expect(missing).toMatchObject({ code: 'model_not_found', param: 'model', type: 'invalid_request_error' });
    });
  });
}
