/**
 * The libSQL client keeps a pool of connections; each one must have the settings the store relies on
 * (foreign keys for ON DELETE CASCADE, WAL with synchronous=NORMAL). Concurrent requests are what make a
 * pool open more than one connection.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('the libSQL database under concurrent requests', () => {
  it('deletes every conversation’s messages with it (ON DELETE CASCADE), however many requests run at once', async () => {
    app = await startTestApp();
    const target = app;
    const chats = await Promise.all(
      Array.from({ length: 30 }, (_, index) => target.post('/api/chat', { message: `Hello ${String(index)}` })),
    );
    const ids = await Promise.all(
      chats.map(async (response) => ((await response.json()) as { conversation_id: string }).conversation_id),
    );
    expect(await target.query('select count(*) as n from messages')).toEqual([{ n: 60 }]);
    const deletions = await Promise.all(ids.map((id) => target.fetch(`/api/history/${id}`, { method: 'DELETE' })));
    expect(deletions.map((response) => response.status)).toEqual(ids.map(() => 200));
    expect(await target.query('select count(*) as n from messages')).toEqual([{ n: 0 }]);
  });
});
