import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSse, startTestApp, type TestApp } from './helpers/test-app.ts';

describe('smoke', () => {
  let api: TestApp;
  beforeEach(async () => {
    api = await startTestApp();
  });
  afterEach(async () => {
    await api.close();
  });

  it('answers a chat and streams one', async () => {
    const response = await api.post('/api/chat', { message: 'Hi' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { response: string };
    expect(body.response).toBe('Hello, world!');
    const stream = await api.post('/api/chat/stream', { message: 'Hi' });
    const events = await readSse(stream);
    expect(events.at(-1)?.data?.['done']).toBe(true);
  });
});
