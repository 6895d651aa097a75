/**
 * A 200 at a cloud provider's address (OpenAI, Anthropic, an OpenAI-compatible server) whose body is
 * not that provider's event stream: 502 UPSTREAM_ERROR before the stream starts, the assistant row in
 * status error, and the next model of a chain tried. Ollama's cases run on every runtime in
 * test/suites/foreign-answer.ts.
 */
import { describe, expect, it } from 'vitest';
import { useCloudTestApp, type CloudTestApp } from '../helpers/cloud-test-app.ts';
import type { FakeUpstreamFault } from '../helpers/fake-upstream-server.ts';
import { readSse } from '../helpers/test-app.ts';

const start = useCloudTestApp();

const kinds = [
  { kind: 'openai', fake: 'openai', model: 'openai/gpt-4o-mini' },
  { kind: 'anthropic', fake: 'anthropic', model: 'anthropic/claude-haiku-4-5' },
  { kind: 'openai-compatible', fake: 'groq', model: 'groq/llama-3.1-8b-instant' },
] as const;

const foreignBodies: { name: string; fault: FakeUpstreamFault }[] = [
  {
    name: 'a web page sent as text/plain',
    fault: { kind: 'foreign-body', contentType: 'text/plain', body: '<html><body><h1>Welcome to nginx!</h1></body></html>' },
  },
  {
    name: "nginx's default type, application/octet-stream",
    fault: { kind: 'foreign-body', contentType: 'application/octet-stream', body: 'Hello World!' },
  },
  { name: "another server's JSON", fault: { kind: 'foreign-body', contentType: 'application/json', body: '{"status":"ok"}' } },
  {
    name: 'text/event-stream whose lines are not SSE',
    fault: { kind: 'foreign-body', contentType: 'text/event-stream', body: 'Hello World!\n\n' },
  },
  {
    name: "text/event-stream with another server's events",
    fault: { kind: 'foreign-body', contentType: 'text/event-stream', body: 'data: {"status":"ok"}\n\ndata: {"status":"ok"}\n\n' },
  },
  { name: 'an empty text/event-stream', fault: { kind: 'foreign-body', contentType: 'text/event-stream', body: '' } },
];

async function assistantRow(app: CloudTestApp) {
  const rows = await app.query<{ content: string; status: string; error_code: string | null }>(
    "select content, status, error_code from messages where role = 'assistant'",
  );
  expect(rows).toHaveLength(1);
  return rows[0];
}

const tokensOf = (events: { data?: Record<string, unknown> }[]) =>
  events.flatMap((event) => (typeof event.data?.['token'] === 'string' ? [event.data['token']] : []));

// The answers come at once; a long KEEPALIVE_SECONDS keeps a slow test machine from starting the stream first.
const env = { KEEPALIVE_SECONDS: '5' };

describe.each(kinds)("$kind: a 200 that is not the provider's stream", ({ fake, model }) => {
  for (const { name, fault } of foreignBodies) {
    for (const route of ['/api/chat', '/api/chat/stream'] as const) {
      it(`${route}: answers 502 UPSTREAM_ERROR and stores the answer as error for ${name}`, async () => {
        const app = await start({ env, [fake]: { fault } });
        const response = await app.post(route, { message: 'Hi', model });
        expect(response.status).toBe(502);
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        const body = (await response.json()) as { code: string; error: string };
        expect(body.code).toBe('UPSTREAM_ERROR');
        expect(JSON.stringify(body)).not.toMatch(/nginx|Hello World|status/);
        expect(await assistantRow(app)).toEqual({ content: '', status: 'error', error_code: 'UPSTREAM_ERROR' });
        expect(app[fake].hits()).toBe(1);
      });
    }

    it(`/v1/chat/completions (stream): answers 502 in OpenAI's error shape for ${name}`, async () => {
      const app = await start({ env, [fake]: { fault } });
      const response = await app.post('/v1/chat/completions', {
        model,
        stream: true,
        messages: [{ role: 'user', content: 'Hi' }],
      });
      expect(response.status).toBe(502);
      expect(await response.json()).toMatchObject({ error: { type: 'server_error', code: 'upstream_error' } });
    });
  }

  for (const contentType of ['text/event-stream;charset=utf-8', 'Text/Event-Stream; Charset=UTF-8', '']) {
    it(`streams the answer when the Content-Type is ${contentType === '' ? 'missing' : JSON.stringify(contentType)}`, async () => {
      const app = await start({ env, [fake]: { streamContentType: contentType, tokens: ['fine', ' here'] } });
      const response = await app.post('/api/chat/stream', { message: 'Hi', model });
      expect(response.status).toBe(200);
      const events = await readSse(response);
      expect(tokensOf(events)).toEqual(['fine', ' here']);
      expect(events.at(-1)?.data).toMatchObject({ done: true, finish_reason: 'stop' });
    });
  }
});

describe('fallbacks after a 200 that is not a model answer', () => {
  it('answers from the next model of the chain, and X-Model names it', async () => {
    const app = await start({
      env: { ...env, MODEL_ALIASES: 'smart=openai/gpt-4o-mini,anthropic/claude-haiku-4-5' },
      openai: { fault: { kind: 'foreign-body', contentType: 'application/octet-stream', body: 'Hello World!' } },
      anthropic: { tokens: ['from', ' claude'] },
    });
    const response = await app.post('/api/chat/stream', { message: 'Hi', model: 'smart' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-model')).toBe('anthropic/claude-haiku-4-5');
    expect(response.headers.get('x-fallback-count')).toBe('1');
    expect(tokensOf(await readSse(response))).toEqual(['from', ' claude']);
    expect(app.openai.hits()).toBe(1);
  });

  it('does not count headers without any event as the first model starting the answer', async () => {
    const app = await start({
      env: {
        ...env,
        MODEL_ALIASES: 'smart=openai/gpt-4o-mini,anthropic/claude-haiku-4-5',
        OPENAI_FIRST_TOKEN_TIMEOUT_SECONDS: '0.15',
      },
      openai: { fault: { kind: 'stall-after-headers' } },
      anthropic: { tokens: ['answered'] },
    });
    const response = await app.post('/api/chat/stream', { message: 'Hi', model: 'smart' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-model')).toBe('anthropic/claude-haiku-4-5');
    expect(response.headers.get('x-fallback-count')).toBe('1');
    expect(tokensOf(await readSse(response))).toEqual(['answered']);
  });
});
