/**
 * A pooled connection that the upstream (or a tunnel or NAT in between) dropped while idle
 * (RELIABILITY.md case 14): the next request must still succeed, re-sent once on a fresh connection,
 * and only when nothing at all came back on the dropped one.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { useCloudTestApp } from '../helpers/cloud-test-app.ts';
import { readSse } from '../helpers/test-app.ts';

const start = useCloudTestApp();

// One attempt per model: what is shown here is the transport's single re-send, not the retry policy.
const oneAttempt = { OPENAI_MAX_ATTEMPTS: '1' };

describe('stale keep-alive connections', () => {
  it('succeeds after the upstream dropped the idle connection, with exactly one re-send', async () => {
    const app = await start({ env: oneAttempt });
    app.openai.dropIdleSocketsAfter(40);
    expect((await app.post('/api/generate', { prompt: 'Hi', model: 'openai/gpt-4o-mini' })).status).toBe(200);
    await delay(120);

    const response = await app.post('/api/chat', { message: 'Hi again', model: 'openai/gpt-4o-mini' });
    expect(response.status).toBe(200);
    expect(app.openai.staleSocketDrops()).toBe(1);
    expect(app.openai.hits('/v1/chat/completions')).toBe(2);

    await delay(120);
    const stream = await app.post('/api/chat/stream', { message: 'And again', model: 'openai/gpt-4o-mini' });
    expect((await readSse(stream)).at(-1)?.data).toMatchObject({ done: true });
    expect(app.openai.staleSocketDrops()).toBe(2);
    expect(app.openai.hits('/v1/chat/completions')).toBe(3);
  });

  it('does not re-send to an upstream that drops connections without ever answering', async () => {
    const app = await start({ env: oneAttempt, openai: { fault: { kind: 'refuse' } } });
    expect((await app.post('/api/chat', { message: 'Hi', model: 'openai/gpt-4o-mini' })).status).toBe(503);
    expect(app.openai.hits('/v1/chat/completions')).toBe(1);
  });

  it('does not re-send a request whose answer had started (a reset mid-answer is an error, not a stale connection)', async () => {
    const app = await start({ env: oneAttempt });
    expect((await app.post('/api/generate', { prompt: 'Hi', model: 'openai/gpt-4o-mini' })).status).toBe(200);
    app.openai.setBehaviour({ fault: { kind: 'reset-after-tokens', after: 2 } });
    const response = await app.post('/api/chat', { message: 'Hi', model: 'openai/gpt-4o-mini' });
    expect(response.status).toBe(502);
    expect(app.openai.hits('/v1/chat/completions')).toBe(2);
  });
});
