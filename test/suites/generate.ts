import { describe, expect, it } from 'vitest';
import { parseSse, readSse } from '../helpers/sse.ts';
import { useHarness, type CreateHarness, type Harness } from './harness.ts';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const TOKENS = ['Hello', ',', ' world', '!'];

async function json(response: Response, status = 200): Promise<Record<string, unknown>> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return JSON.parse(text) as Record<string, unknown>;
}

/** The JSON body the fake Ollama received on its last /api/chat call. */
async function lastUpstreamBody(app: Harness): Promise<Record<string, unknown>> {
  const calls = (await app.ollama.requests()).filter((request) => request.path === '/api/chat');
  expect(calls.length).toBeGreaterThan(0);
  return calls.at(-1)?.body as Record<string, unknown>;
}

async function expectNothingStored(app: Harness) {
  expect(await app.query('select id from conversations')).toEqual([]);
  expect(await app.query('select id from messages')).toEqual([]);
}

function expectSseHeaders(response: Response) {
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
}

export function describeGenerate(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('POST /api/generate', () => {
    it('answers with {response, model, finish_reason, usage, timestamp} and stores nothing', async () => {
      const app = await start();
      const body = await json(await app.post('/api/generate', { prompt: 'Say hello' }));
      expect(Object.keys(body).sort()).toEqual(['finish_reason', 'model', 'response', 'timestamp', 'usage']);
      expect(body).toMatchObject({ response: 'Hello, world!', model: 'ollama/llama3.2', finish_reason: 'stop' });
      expect(body['usage']).toEqual({ input_tokens: expect.any(Number) as number, output_tokens: TOKENS.length });
      expect(body['timestamp']).toMatch(ISO);
      const upstream = await lastUpstreamBody(app);
      expect(upstream['model']).toBe('llama3.2');
      expect(upstream['messages']).toEqual([{ role: 'user', content: 'Say hello' }]);
      expect(await app.ollama.hits('/api/chat')).toBe(1);
      await expectNothingStored(app);
    });

    it('sends the model, the system prompt and the parameters as Ollama options', async () => {
      const app = await start();
      const body = await json(
        await app.post('/api/generate', {
          prompt: 'Be brief',
          model: 'llama3.2:1b',
          system: 'You are terse.',
          parameters: { temperature: 0.5, max_tokens: 100, top_p: 0.9, stop: ['\n\n', 'END'] },
        }),
      );
      expect(body['model']).toBe('ollama/llama3.2:1b');
      const upstream = await lastUpstreamBody(app);
      expect(upstream['model']).toBe('llama3.2:1b');
      expect(upstream['messages']).toEqual([
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Be brief' },
      ]);
      expect(upstream['options']).toEqual({ temperature: 0.5, top_p: 0.9, num_predict: 100, stop: ['\n\n', 'END'] });
    });

    it('accepts the provider/model form and answers 404 for a model Ollama does not have', async () => {
      const app = await start();
      expect((await json(await app.post('/api/generate', { prompt: 'Hi', model: 'ollama/llama3.2:1b' })))['model']).toBe(
        'ollama/llama3.2:1b',
      );
      expect((await lastUpstreamBody(app))['model']).toBe('llama3.2:1b');
      const missing = await json(await app.post('/api/generate', { prompt: 'Hi', model: 'mistral' }), 404);
      expect(missing['code']).toBe('NOT_FOUND');
    });

    it('streams {"response"} events then a done event with "stream": true, and stores nothing', async () => {
      const app = await start();
      const response = await app.post('/api/generate', { prompt: 'Say hello', stream: true });
      expectSseHeaders(response);
      const events = await readSse(response);
      const data = events.filter((event) => event.data !== undefined).map((event) => event.data);
      expect(data.slice(0, -1)).toEqual(TOKENS.map((token) => ({ response: token })));
      const done = data.at(-1) ?? {};
      expect(Object.keys(done).sort()).toEqual(['done', 'finish_reason', 'model', 'usage']);
      expect(done).toMatchObject({ done: true, model: 'ollama/llama3.2', finish_reason: 'stop' });
      expect(done['usage']).toEqual({ input_tokens: expect.any(Number) as number, output_tokens: TOKENS.length });
      await expectNothingStored(app);
    });
  });

  describe('POST /api/v1/generate', () => {
    it('answers exactly {"response"} and ignores other fields', async () => {
      const app = await start();
      const body = await json(
        await app.post('/api/v1/generate', {
          prompt: 'Say hello',
          model: 'llama3.2:1b',
          system: 'x',
          parameters: { temperature: 9 },
        }),
      );
      expect(body).toEqual({ response: 'Hello, world!' });
      const upstream = await lastUpstreamBody(app);
      expect(upstream['model']).toBe('llama3.2');
      expect(upstream['messages']).toEqual([{ role: 'user', content: 'Say hello' }]);
      await expectNothingStored(app);
    });

    it('streams {"response"} events then data: {} with "stream": true', async () => {
      const app = await start();
      const response = await app.post('/api/v1/generate', { prompt: 'Say hello', stream: true });
      expectSseHeaders(response);
      const text = await response.text();
      expect(text.endsWith('data: {}\n\n')).toBe(true);
      const data = parseSse(text)
        .filter((event) => event.data !== undefined)
        .map((event) => event.data);
      expect(data).toEqual([...TOKENS.map((token) => ({ response: token })), {}]);
      await expectNothingStored(app);
    });

    it.each([
      [{ OLLAMA_MODEL: 'llama3.2:1b' }, 'llama3.2:1b'],
      [{ DEFAULT_MODEL: 'llama3.2:1b' }, 'llama3.2:1b'],
      [{ DEFAULT_MODEL: 'llama3.2', OLLAMA_MODEL: 'llama3.2:1b' }, 'llama3.2:1b'],
      [{}, 'llama3.2'],
    ])('uses OLLAMA_MODEL, else DEFAULT_MODEL (%j → %s)', async (env, model) => {
      const app = await start({ env });
      await json(await app.post('/api/v1/generate', { prompt: 'Hi' }));
      expect((await lastUpstreamBody(app))['model']).toBe(model);
      const generated = await json(await app.post('/api/generate', { prompt: 'Hi' }));
      expect(generated['model']).toBe(`ollama/${model}`);
    });
  });

  describe('POST /generate and POST /ask', () => {
    it('/generate answers {response, model, done: true} and maps temperature and max_tokens', async () => {
      const app = await start();
      const body = await json(
        await app.post('/generate', { prompt: 'Say hello', model: 'llama3.2:1b', temperature: 0.2, max_tokens: 50 }),
      );
      expect(body).toEqual({ response: 'Hello, world!', model: 'ollama/llama3.2:1b', done: true });
      const upstream = await lastUpstreamBody(app);
      expect(upstream['model']).toBe('llama3.2:1b');
      expect(upstream['options']).toEqual({ temperature: 0.2, num_predict: 50 });

      expect(await json(await app.post('/generate', { prompt: 'Hi' }))).toEqual({
        response: 'Hello, world!',
        model: 'ollama/llama3.2',
        done: true,
      });
      await expectNothingStored(app);
    });

    it('/ask answers {answer, model} and maps temperature', async () => {
      const app = await start({ env: { OLLAMA_MODEL: 'llama3.2:1b' } });
      const body = await json(await app.post('/ask', { question: 'Why is the sky blue?', temperature: 1.5 }));
      expect(body).toEqual({ answer: 'Hello, world!', model: 'ollama/llama3.2:1b' });
      const upstream = await lastUpstreamBody(app);
      expect(upstream['messages']).toEqual([{ role: 'user', content: 'Why is the sky blue?' }]);
      expect(upstream['options']).toEqual({ temperature: 1.5 });
      await expectNothingStored(app);
    });
  });

  describe('upstream refused', () => {
    const routes: [string, Record<string, unknown>][] = [
      ['/api/generate', { prompt: 'Hi' }],
      ['/api/generate', { prompt: 'Hi', stream: true }],
      ['/api/v1/generate', { prompt: 'Hi' }],
      ['/api/v1/generate', { prompt: 'Hi', stream: true }],
      ['/generate', { prompt: 'Hi' }],
      ['/ask', { question: 'Hi' }],
    ];

    it('answers 503 SERVICE_UNAVAILABLE on every route when nothing listens', async () => {
      const app = await start({ unreachableOllama: true });
      for (const [path, body] of routes) {
        const error = await json(await app.post(path, body), 503);
        expect(error, path).toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: [] });
      }
    });

    it('answers 503 after exactly one attempt when Ollama drops the connection', async () => {
      const app = await start({ ollama: { fault: { kind: 'refuse' } } });
      for (const [index, [path, body]] of routes.entries()) {
        const error = await json(await app.post(path, body), 503);
        expect(error['code'], path).toBe('SERVICE_UNAVAILABLE');
        expect(await app.ollama.hits('/api/chat')).toBe(index + 1);
      }
      await expectNothingStored(app);
    });
  });
}
