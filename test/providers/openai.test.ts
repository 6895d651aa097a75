import { describe, expect, it } from 'vitest';
import { OPENAI_KEY, useCloudTestApp } from '../helpers/cloud-test-app.ts';
import { readSse } from '../helpers/test-app.ts';

const start = useCloudTestApp();

const tokensOf = (events: Awaited<ReturnType<typeof readSse>>) =>
  events.flatMap((event) => (typeof event.data?.['token'] === 'string' ? [event.data['token']] : []));

describe('openai provider', () => {
  it('answers /api/chat through Chat Completions with the key, the model and usage, and says which model answered', async () => {
    const app = await start({ openai: { tokens: ['Hi', ' there'] } });
    const response = await app.post('/api/chat', {
      message: 'Hello',
      model: 'openai/gpt-4o-mini',
      system: 'Be terse',
      parameters: { temperature: 0.2, max_tokens: 50, stop: ['\n\n'] },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-model')).toBe('openai/gpt-4o-mini');
    expect(response.headers.get('x-fallback-count')).toBeNull();
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ response: 'Hi there', model: 'openai/gpt-4o-mini', finish_reason: 'stop' });
    expect(body['usage']).toEqual({ input_tokens: expect.any(Number), output_tokens: 2 });

    expect(app.openai.hits('/v1/chat/completions')).toBe(1);
    expect(app.openai.hits('/v1/responses')).toBe(0);
    expect(app.ollama.hits()).toBe(0);
    const [request] = app.openai.requests;
    expect(request?.headers['authorization']).toBe(`Bearer ${OPENAI_KEY}`);
    expect(request?.headers['origin']).toBeUndefined();
    expect(request?.body).toMatchObject({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      max_tokens: 50,
      stop: ['\n\n'],
      messages: [
        { role: 'system', content: 'Be terse' },
        { role: 'user', content: 'Hello' },
      ],
    });

    const rows = await app.query<{
      role: string;
      content: string;
      status: string;
      model: string;
      input_tokens: number;
      output_tokens: number;
    }>('select role, content, status, model, input_tokens, output_tokens from messages order by sequence');
    expect(rows[1]).toMatchObject({
      role: 'assistant',
      content: 'Hi there',
      status: 'complete',
      model: 'openai/gpt-4o-mini',
      output_tokens: 2,
    });
  });

  it('streams /api/chat/stream token by token and names the model in the headers and the done event', async () => {
    const app = await start({ openai: { tokens: ['a', 'b', 'c'] } });
    const response = await app.post('/api/chat/stream', { message: 'Hello', model: 'openai/gpt-4o' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-model')).toBe('openai/gpt-4o');
    const events = await readSse(response);
    expect(tokensOf(events)).toEqual(['a', 'b', 'c']);
    expect(events.at(-1)?.data).toMatchObject({
      done: true,
      model: 'openai/gpt-4o',
      finish_reason: 'stop',
      usage: { output_tokens: 3 },
    });
  });
});
