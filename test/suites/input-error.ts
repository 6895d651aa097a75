import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CreateHarness, Harness } from './harness.ts';

const UNKNOWN_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const env = { MAX_MESSAGE_CHARS: '50', MAX_OUTPUT_TOKENS: '100', MAX_BODY_BYTES: '2048' };

interface Route {
  method: 'POST' | 'PUT';
  path: string;
  /** The required text field, and its longest allowed length. */
  field: string;
  max: number;
  /** Where temperature, top_p, max_tokens and stop live: `parameters.` (nested), '' (flat) or not accepted. */
  parameters?: 'parameters.' | '';
  flat?: ('temperature' | 'max_tokens')[];
}

const routes: Route[] = [
  { method: 'POST', path: '/api/chat', field: 'message', max: 50, parameters: 'parameters.' },
  { method: 'POST', path: '/api/chat/stream', field: 'message', max: 50, parameters: 'parameters.' },
  { method: 'POST', path: '/api/generate', field: 'prompt', max: 50, parameters: 'parameters.' },
  { method: 'POST', path: '/api/v1/generate', field: 'prompt', max: 50 },
  { method: 'POST', path: '/generate', field: 'prompt', max: 50, parameters: '', flat: ['temperature', 'max_tokens'] },
  { method: 'POST', path: '/ask', field: 'question', max: 50, parameters: '', flat: ['temperature'] },
  { method: 'PUT', path: `/api/history/${UNKNOWN_ID}`, field: 'title', max: 200 },
];
const label = (route: Route) => `${route.method} ${route.path.replace(UNKNOWN_ID, ':id')}`;

interface ErrorBody {
  error: string;
  code: string;
  request_id: string | null;
  details: { field: string; message: string }[];
}

/** Checks the one error shape and that nothing internal leaks; returns the body. */
async function errorOf(response: Response, status: number, code: string): Promise<ErrorBody> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(text).not.toMatch(/stack|\sat\s+\S+\s+\(|\bat file:|node_modules|\/work\/|\.ts:\d+|\.js:\d+/i);
  const body = JSON.parse(text) as ErrorBody;
  expect(Object.keys(body).sort()).toEqual(['code', 'details', 'error', 'request_id']);
  expect(body.code).toBe(code);
  expect(body.request_id).toBe(response.headers.get('x-request-id'));
  expect(typeof body.error).toBe('string');
  for (const detail of body.details) expect(Object.keys(detail).sort()).toEqual(['field', 'message']);
  return body;
}

async function invalid(response: Response, ...fields: string[]): Promise<void> {
  const body = await errorOf(response, 400, 'INVALID_INPUT');
  const named = body.details.map((detail) => detail.field);
  for (const field of fields) expect(named, JSON.stringify(body.details)).toContain(field);
}

export function describeInputErrors(createHarness: CreateHarness): void {
  let api: Harness;
  const send = (route: Route, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    api.fetch(route.path, { method: route.method, headers, body });
  const sendJson = (route: Route, body: unknown) => send(route, JSON.stringify(body));

  describe.each(routes)('bad input on $method $path', (route) => {
    beforeEach(async () => {
      api = await createHarness({ env });
    });
    afterEach(async () => {
      expect(await api.ollama.hits()).toBe(0);
      expect(await api.query('select id from messages')).toEqual([]);
      await api.close();
    });

    it('malformed JSON → 400 INVALID_INPUT', async () => {
      for (const text of [`{"${route.field}": `, '{', 'not json', `{'${route.field}': 'x'}`]) {
        await errorOf(await send(route, text), 400, 'INVALID_INPUT');
      }
    });

    it('a JSON body that is not an object, or none at all → 400 INVALID_INPUT', async () => {
      for (const text of ['[]', '"text"', '5', 'null', 'true']) await errorOf(await send(route, text), 400, 'INVALID_INPUT');
      await invalid(await api.fetch(route.path, { method: route.method }), route.field);
    });

    it('a body that is not JSON → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
      const body = JSON.stringify({ [route.field]: 'Hi' });
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        await errorOf(await send(route, body, { 'content-type': type }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      }
      await errorOf(await send(route, body, {}), 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('missing, mistyped, empty or too long required field → 400 naming it', async () => {
      await invalid(await sendJson(route, {}), route.field);
      await invalid(await sendJson(route, { [route.field]: 5 }), route.field);
      await invalid(await sendJson(route, { [route.field]: ['Hi'] }), route.field);
      await invalid(await sendJson(route, { [route.field]: null }), route.field);
      await invalid(await sendJson(route, { [route.field]: '' }), route.field);
      await invalid(await sendJson(route, { [route.field]: 'x'.repeat(route.max + 1) }), route.field);
    });

    if (route.parameters === 'parameters.')
      it('out-of-range parameters → 400 naming each', async () => {
        const bad = async (parameters: unknown, ...fields: string[]) =>
          invalid(await sendJson(route, { [route.field]: 'Hi', parameters }), ...fields);
        await bad({ temperature: 3 }, 'parameters.temperature');
        await bad({ temperature: -0.1 }, 'parameters.temperature');
        await bad({ temperature: 'hot' }, 'parameters.temperature');
        await bad({ top_p: -1 }, 'parameters.top_p');
        await bad({ top_p: 1.5 }, 'parameters.top_p');
        await bad({ max_tokens: 0 }, 'parameters.max_tokens');
        await bad({ max_tokens: 101 }, 'parameters.max_tokens');
        await bad({ max_tokens: 1.5 }, 'parameters.max_tokens');
        await bad({ stop: ['a', 'b', 'c', 'd', 'e'] }, 'parameters.stop');
        await bad({ stop: 'a' }, 'parameters.stop');
        await bad('hot', 'parameters');
        await invalid(
          await sendJson(route, {
            [route.field]: 5,
            parameters: { temperature: 3, top_p: -1, max_tokens: 0, stop: ['1', '2', '3', '4', '5'] },
          }),
          route.field,
          'parameters.temperature',
          'parameters.top_p',
          'parameters.max_tokens',
          'parameters.stop',
        );
      });

    if (route.parameters === 'parameters.')
      it('a URL as model, a bad conversation_id or system → 400 naming it', async () => {
        for (const model of ['http://169.254.169.254', '//evil.example.com/x', '../secret', '']) {
          await invalid(await sendJson(route, { [route.field]: 'Hi', model }), 'model');
        }
        await invalid(await sendJson(route, { [route.field]: 'Hi', system: 5 }), 'system');
        if (route.path.startsWith('/api/chat')) {
          await invalid(await sendJson(route, { [route.field]: 'Hi', conversation_id: 'abc' }), 'conversation_id');
        } else {
          await invalid(await sendJson(route, { [route.field]: 'Hi', stream: 'yes' }), 'stream');
        }
      });

    if (route.flat !== undefined)
      it('out-of-range top-level temperature / max_tokens → 400 naming each', async () => {
        await invalid(await sendJson(route, { [route.field]: 'Hi', temperature: 3 }), 'temperature');
        await invalid(await sendJson(route, { [route.field]: 'Hi', temperature: -1 }), 'temperature');
        if (route.flat?.includes('max_tokens')) {
          await invalid(await sendJson(route, { [route.field]: 'Hi', max_tokens: 0 }), 'max_tokens');
          await invalid(await sendJson(route, { [route.field]: 'Hi', max_tokens: 101 }), 'max_tokens');
          await invalid(await sendJson(route, { [route.field]: 'Hi', model: 'http://169.254.169.254' }), 'model');
        }
      });

    it('a body over MAX_BODY_BYTES → 413, with Content-Length and chunked', async () => {
      const big = JSON.stringify({ [route.field]: 'Hi', padding: 'x'.repeat(3000) });
      await errorOf(await send(route, big), 413, 'PAYLOAD_TOO_LARGE');
      const bytes = new TextEncoder().encode(big);
      const chunked = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let offset = 0; offset < bytes.length; offset += 500) controller.enqueue(bytes.slice(offset, offset + 500));
          controller.close();
        },
      });
      const init = {
        method: route.method,
        headers: { 'content-type': 'application/json' },
        body: chunked,
        duplex: 'half' as const,
      };
      await errorOf(await api.fetch(route.path, init), 413, 'PAYLOAD_TOO_LARGE');
    });
  });

  describe('valid bodies with extras', () => {
    beforeEach(async () => {
      api = await createHarness({ env });
    });
    afterEach(async () => {
      await api.close();
    });

    it.each(routes)('$method $path ignores unknown fields', async (route) => {
      if (route.method === 'PUT') {
        const created = (await (await api.post('/api/history', {})).json()) as { id: string };
        route = { ...route, path: `/api/history/${created.id}` };
      }
      const response = await sendJson(route, {
        [route.field]: 'x'.repeat(route.max),
        unknown: { nested: true },
        role: 'system',
        ...(route.parameters === 'parameters.' ? { parameters: { temperature: 1, extra: 1 } } : {}),
      });
      expect(response.status, label(route)).toBe(200);
      await response.text();
    });

    it('accepts a chunked body under the limit', async () => {
      const bytes = new TextEncoder().encode(JSON.stringify({ message: 'Hi' }));
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes.slice(0, 5));
          controller.enqueue(bytes.slice(5));
          controller.close();
        },
      });
      const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' as const };
      const response = await api.fetch('/api/chat', init);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { response: string }).response).toBe('Hello, world!');
    });

    it('answers an unknown route with 404 NOT_FOUND JSON', async () => {
      await errorOf(await api.fetch('/nope'), 404, 'NOT_FOUND');
      await errorOf(await api.post('/api/nope', { message: 'Hi' }), 404, 'NOT_FOUND');
      await errorOf(await api.fetch('/api/chat'), 404, 'NOT_FOUND');
      await errorOf(await api.fetch('/api/history', { method: 'DELETE' }), 404, 'NOT_FOUND');
      expect(await api.ollama.hits()).toBe(0);
    });
  });

  describe('schema fuzzing', () => {
    beforeEach(async () => {
      api = await createHarness();
    });
    afterEach(async () => {
      await api.close();
    });

    const nearlyValid = fc.record(
      {
        message: fc.oneof({ weight: 3, arbitrary: fc.string({ minLength: 1 }) }, fc.anything()),
        prompt: fc.oneof({ weight: 3, arbitrary: fc.string({ minLength: 1 }) }, fc.anything()),
        system: fc.oneof(fc.string(), fc.jsonValue()),
        stream: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, fc.jsonValue()),
        parameters: fc.oneof(
          fc.object(),
          fc.record(
            {
              temperature: fc.oneof(fc.double({ min: 0, max: 2, noNaN: true }), fc.double(), fc.jsonValue()),
              max_tokens: fc.oneof(fc.integer({ min: 1, max: 4096 }), fc.integer(), fc.jsonValue()),
              top_p: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.double(), fc.jsonValue()),
              stop: fc.oneof(fc.array(fc.string({ minLength: 1, maxLength: 10 }), { maxLength: 4 }), fc.jsonValue()),
            },
            { requiredKeys: [] },
          ),
        ),
      },
      { requiredKeys: [] },
    );
    const bodies = fc.oneof(fc.anything(), fc.object(), fc.jsonValue(), { weight: 4, arbitrary: nearlyValid });

    it.each([['/api/chat'], ['/api/generate']])('%s answers only 200 or 400, never 5xx', async (path) => {
      await fc.assert(
        fc.asyncProperty(bodies, async (value) => {
          const response = await api.post(path, value === undefined ? 'null' : JSON.stringify(value));
          // A random string can also name a model Ollama does not have: that is a documented 404.
          const namesModel =
            typeof value === 'object' && value !== null && typeof (value as { model?: unknown }).model === 'string';
          expect([200, 400, ...(namesModel ? [404] : [])]).toContain(response.status);
          if (response.status === 200) await response.text();
          else await errorOf(response, response.status, response.status === 400 ? 'INVALID_INPUT' : 'NOT_FOUND');
        }),
        { numRuns: 50 },
      );
    });
  });
}
