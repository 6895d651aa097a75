/**
 * A 200 at Ollama's address whose body is not Ollama's stream (another web server, nginx's default
 * type, a proxy's page): 502 UPSTREAM_ERROR and an assistant row in status error, never an empty
 * "complete" answer. The cloud providers' cases are in test/providers/foreign-answer.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { FakeOllamaFault } from '../helpers/fake-ollama.ts';
import { readSse } from '../helpers/sse.ts';
import { useHarness, type CreateHarness, type Harness } from './harness.ts';

/** Bodies that are not Ollama's, each with the content type it came with. */
const foreignOllamaBodies: { name: string; fault: Extract<FakeOllamaFault, { kind: 'foreign-body' }> }[] = [
  {
    name: 'a web page sent as text/plain',
    fault: {
      kind: 'foreign-body',
      contentType: 'text/plain; charset=utf-8',
      body: '<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>Welcome</body></html>',
    },
  },
  {
    name: "nginx's default type, application/octet-stream",
    fault: { kind: 'foreign-body', contentType: 'application/octet-stream', body: 'Hello World!' },
  },
  {
    name: "another server's JSON",
    fault: { kind: 'foreign-body', contentType: 'application/json', body: '{"status":"ok"}' },
  },
  {
    name: 'NDJSON lines that are not Ollama chunks',
    fault: { kind: 'foreign-body', contentType: 'application/x-ndjson', body: '{"status":"ok"}\n{"status":"still ok"}\n' },
  },
];

/** A JSON 502 UPSTREAM_ERROR that names the likely cause and carries nothing of the body. */
async function expectForeignAnswerError(response: Response): Promise<void> {
  expect(response.status).toBe(502);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: string; code: string };
  expect(body).toMatchObject({ code: 'UPSTREAM_ERROR', error: expect.stringMatching(/address.*tunnel or proxy/) });
  expect(JSON.stringify(body)).not.toMatch(/nginx|Hello World|status|still ok/);
}

async function expectErrorRow(app: Harness): Promise<void> {
  const rows = await app.query<{ role: string; content: string; status: string; error_code: string | null }>(
    'select role, content, status, error_code from messages order by sequence',
  );
  expect(rows).toEqual([
    { role: 'user', content: 'Hi', status: 'complete', error_code: null },
    { role: 'assistant', content: '', status: 'error', error_code: 'UPSTREAM_ERROR' },
  ]);
}

const tokensOf = (events: { data?: Record<string, unknown> }[]) =>
  events.flatMap((event) => (typeof event.data?.['token'] === 'string' ? [event.data['token']] : []));

export function describeForeignAnswers(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);
  // The answers come at once; a long KEEPALIVE_SECONDS keeps a slow test machine from starting the stream first.
  const env = { KEEPALIVE_SECONDS: '5' };

  describe("a 200 from Ollama's address that is not Ollama's stream", () => {
    for (const { name, fault } of foreignOllamaBodies) {
      for (const route of ['/api/chat', '/api/chat/stream'] as const) {
        it(`${route}: answers 502 UPSTREAM_ERROR and stores the answer as error for ${name}`, async () => {
          const app = await start({ env, ollama: { fault } });
          await expectForeignAnswerError(await app.post(route, { message: 'Hi' }));
          await expectErrorRow(app);
          expect(await app.ollama.hits('/api/chat')).toBe(1);
        });
      }

      it(`/v1/chat/completions (stream): answers 502 in OpenAI's error shape for ${name}`, async () => {
        const app = await start({ env, ollama: { fault } });
        const response = await app.post('/v1/chat/completions', {
          model: 'llama3.2',
          stream: true,
          messages: [{ role: 'user', content: 'Hi' }],
        });
        expect(response.status).toBe(502);
        expect(await response.json()).toMatchObject({ error: { type: 'server_error', code: 'upstream_error' } });
      });

      it(`/api/generate: answers 502 UPSTREAM_ERROR for ${name}`, async () => {
        const app = await start({ env, ollama: { fault } });
        await expectForeignAnswerError(await app.post('/api/generate', { prompt: 'Hi' }));
      });
    }
  });

  describe("Ollama's stream with a content type that real servers write differently", () => {
    for (const contentType of ['application/x-ndjson; charset=utf-8', 'Application/X-NDJSON', '']) {
      it(`streams the answer when the Content-Type is ${contentType === '' ? 'missing' : JSON.stringify(contentType)}`, async () => {
        const app = await start({ env, ollama: { streamContentType: contentType, tokens: ['fine', ' here'] } });
        const response = await app.post('/api/chat/stream', { message: 'Hi' });
        expect(response.status).toBe(200);
        const events = await readSse(response);
        expect(tokensOf(events)).toEqual(['fine', ' here']);
        expect(events.at(-1)?.data).toMatchObject({ done: true, finish_reason: 'stop' });
      });
    }
  });
}
