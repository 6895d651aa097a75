/** POST /api/models/pull (API.md § Models): Ollama's /api/pull progress relayed as SSE, admin only, Ollama models only. */
import { describe, expect, it } from 'vitest';
import { readSse, sseEvents } from '../helpers/sse.ts';
import { adminKey, authRequired, bearer, createKey, errorOf } from './auth-support.ts';
import { useHarness, type CreateHarness } from './harness.ts';

const pull = (model: unknown) => ({ model });

export function describeModelPull(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('POST /api/models/pull', () => {
    it("relays Ollama's progress as status events, then done, and the pulled model is listed", async () => {
      const app = await start();
      const response = await app.post('/api/models/pull', pull('ollama/qwen3:0.6b'));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(response.headers.get('x-accel-buffering')).toBe('no');
      expect(response.headers.get('x-model')).toBe('ollama/qwen3:0.6b');
      const events = (await readSse(response)).filter((event) => event.comment === undefined);
      const data = events.map((event) => event.data);
      expect(data[0]).toEqual({ status: 'pulling manifest' });
      const layer = data[1] as { status: string; total: number };
      expect(layer).toEqual({ status: expect.stringMatching(/^pulling [0-9a-f]{12}$/) as unknown, total: 1_321_082_688 });
      expect(data[2]).toEqual({ ...layer, completed: layer.total / 2 });
      expect(data.some((event) => event !== undefined && 'digest' in event)).toBe(false);
      expect(data.slice(-4)).toEqual([
        { status: 'verifying sha256 digest' },
        { status: 'writing manifest' },
        { status: 'success' },
        { done: true },
      ]);
      const [request] = (await app.ollama.requests()).filter((recorded) => recorded.path === '/api/pull');
      expect(request?.body).toEqual({ model: 'qwen3:0.6b', stream: true });
      const models = (await (await app.fetch('/api/models')).json()) as { models: { name: string }[] };
      expect(models.models.map((model) => model.name)).toContain('ollama/qwen3:0.6b');
    });

    it('pulls a bare name onto the default Ollama, and an alias of one model, with the admin key when auth is required', async () => {
      const app = await start({ env: authRequired({ MODEL_ALIASES: 'small=ollama/qwen3:0.6b' }) });
      for (const name of ['llama3.2:1b', 'small']) {
        const response = await app.post('/api/models/pull', pull(name), { headers: bearer(adminKey) });
        expect(response.status).toBe(200);
        expect((await readSse(response)).at(-1)).toEqual({ data: { done: true } });
      }
      const bodies = (await app.ollama.requests())
        .filter((recorded) => recorded.path === '/api/pull')
        .map((recorded) => recorded.body);
      expect(bodies).toEqual([
        { model: 'llama3.2:1b', stream: true },
        { model: 'qwen3:0.6b', stream: true },
      ]);
    });

    it('answers 403 to a non-admin, even for a body it would refuse, and calls nothing', async () => {
      const app = await start({ env: authRequired() });
      const { key } = await createKey(app, { name: 'user key' });
      for (const body of [pull('ollama/llama3.2:1b'), {}]) {
        const response = await app.post('/api/models/pull', body, { headers: bearer(key) });
        expect(await errorOf(response)).toEqual({ status: 403, code: 'FORBIDDEN' });
      }
      expect(await app.ollama.hits('/api/pull')).toBe(0);
    });

    it('answers 400 naming model for a cloud model, an alias of several models and a missing or malformed name', async () => {
      const app = await start({
        env: { OPENAI_API_KEY: 'sk-test-never-sent', MODEL_ALIASES: 'smart=openai/gpt-4o-mini,ollama/llama3.2' },
      });
      for (const body of [pull('openai/gpt-4o-mini'), pull('smart'), {}, pull('http://169.254.169.254/x'), pull(42)]) {
        const response = await app.post('/api/models/pull', body);
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect(await response.json()).toMatchObject({ code: 'INVALID_INPUT', details: [{ field: 'model' }] });
      }
      expect(await app.ollama.hits('/api/pull')).toBe(0);
    });

    it('answers 404 for a provider that is not configured', async () => {
      const app = await start();
      const response = await app.post('/api/models/pull', pull('groq/llama-3.1-8b-instant'));
      expect(await errorOf(response)).toEqual({ status: 404, code: 'NOT_FOUND' });
    });

    it('ends the stream with a NOT_FOUND error event, without done, when the registry has no such model', async () => {
      const app = await start({ ollama: { pullError: 'pull model manifest: file does not exist' } });
      const response = await app.post('/api/models/pull', pull('ollama/no-such-model'));
      expect(response.status).toBe(200);
      const events = await readSse(response);
      expect(events.map((event) => event.data)).toEqual([
        { status: 'pulling manifest' },
        { error: 'The model server found no such model to pull', code: 'NOT_FOUND' },
      ]);
    });

    it('answers 503 as JSON when the Ollama server cannot be reached, on another OLLAMA_PROVIDERS server too', async () => {
      // Nothing listens on port 9 (discard), and fetch refuses it as a bad port: unreachable either way.
      const app = await start({ unreachableOllama: true, env: { OLLAMA_PROVIDERS: 'gpu', GPU_BASE_URL: 'http://127.0.0.1:9' } });
      for (const name of ['ollama/llama3.2:1b', 'gpu/llama3.1']) {
        const response = await app.post('/api/models/pull', pull(name));
        expect(await errorOf(response)).toEqual({ status: 503, code: 'SERVICE_UNAVAILABLE' });
      }
    });

    it('sends keep-alive comments while Ollama is silent, and a client that leaves cancels the pull upstream', async () => {
      const app = await start({ env: { KEEPALIVE_SECONDS: '0.1' }, ollama: { pullStepDelayMs: 400 } });
      const response = await app.post('/api/models/pull', pull('ollama/llama3.2:1b'));
      expect(response.status).toBe(200);
      const seen: string[] = [];
      for await (const { event } of sseEvents(response)) {
        seen.push(event.comment ?? JSON.stringify(event.data));
        if (event.comment === 'keep-alive') break;
      }
      expect(seen).toEqual(['{"status":"pulling manifest"}', 'keep-alive']);
      await app.ollama.waitForAbort(1, 3000);
    });
  });
}
