/**
 * SQLITE_BUSY on a libSQL file (RELIABILITY.md cases 37 and 39, pitfall 5): another connection holds
 * the write lock (another process, the sqlite3 shell, a backup) for longer than the busy timeout. The
 * write that meets it fails or is retried; the writes after it must work again once the lock is free
 * (libsql-client-ts#352: the failed statement stays in progress and fails every later COMMIT).
 */
import { createClient } from '@libsql/client';
import { afterEach, describe, expect, it } from 'vitest';
import { ConversationStore } from '../../src/db/conversation-store.ts';
import { openMigratedDatabase } from '../helpers/migrated-database.ts';
import { parseSse } from '../helpers/sse.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const now = '2026-11-23T10:00:00.000Z';

/** Another connection to the file that takes the write lock and holds it until released. */
async function holdWriteLock(path: string): Promise<{ release(): Promise<void> }> {
  const other = createClient({ url: `file:${path}` });
  const transaction = await other.transaction('write');
  cleanups.push(() => {
    other.close();
    return Promise.resolve();
  });
  return {
    release: async () => {
      await transaction.commit();
    },
  };
}

describe('SQLITE_BUSY on a libSQL file', () => {
  it('fails only the write that met the busy lock: every later write commits', async () => {
    const { database, path, close } = await openMigratedDatabase(50);
    cleanups.push(close);
    const store = new ConversationStore(database);

    const lock = await holdWriteLock(path);
    await expect(store.create({ id: 'busy', ownerId: 'local', title: null, now })).rejects.toMatchObject({
      cause: { code: 'SQLITE_BUSY' },
    });
    await lock.release();

    for (const index of [1, 2, 3]) {
      const conversationId = `after-${String(index)}`;
      const generationId = crypto.randomUUID();
      const userMessage = {
        id: crypto.randomUUID(),
        role: 'user' as const,
        content: 'Hi',
        status: 'complete' as const,
        createdAt: now,
      };
      const turn = { ownerId: 'local', generationId, lockExpiresAt: Date.parse(now) + 60_000, now, model: 'm', userMessage };
      expect(await store.beginNewConversationTurn(conversationId, 'Hi', turn)).toEqual({ outcome: 'started' });
      const answer = {
        id: crypto.randomUUID(),
        role: 'assistant' as const,
        content: 'Hello',
        status: 'complete' as const,
        createdAt: now,
      };
      await store.finishTurn('local', conversationId, generationId, answer, now);
      expect((await store.messagesOf('local', conversationId)).map((message) => message.role)).toEqual(['user', 'assistant']);
    }
    // The cascade still holds on the replaced connections (foreign_keys is per connection).
    expect(await store.delete('local', 'after-1')).toBe(true);
    expect(await store.messagesOf('local', 'after-1')).toEqual([]);
  });

  it('fails every call made while the lock is held with SQLITE_BUSY alone, and none after it is freed', async () => {
    const { database, path, close } = await openMigratedDatabase(20);
    cleanups.push(close);
    const store = new ConversationStore(database);
    const create = (id: string) => store.create({ id, ownerId: 'local', title: null, now });

    const lock = await holdWriteLock(path);
    // Concurrent calls: replacing the connection after one's failure must not close it under another.
    const whileLocked = await Promise.allSettled(Array.from({ length: 6 }, (_, index) => create(`locked-${String(index)}`)));
    await lock.release();
    const codes = whileLocked.map((result) =>
      result.status === 'rejected' ? (result.reason as { cause?: { code?: string } }).cause?.code : 'stored',
    );
    expect(codes).toEqual(Array.from({ length: 6 }, () => 'SQLITE_BUSY'));
    const afterwards = await Promise.allSettled(Array.from({ length: 6 }, (_, index) => create(`free-${String(index)}`)));
    expect(afterwards.map((result) => result.status)).toEqual(Array.from({ length: 6 }, () => 'fulfilled'));
  });

  describe('on a turn', () => {
    let app: TestApp;
    const logLines: string[] = [];
    let onLog: ((line: string) => void) | undefined;

    it('retries the final write that met the lock, stores the answer once and leaves the next turn working', async () => {
      app = await startTestApp({
        env: { DATABASE_BUSY_TIMEOUT_MS: '100' },
        ollama: { tokens: ['one ', 'two ', 'three ', 'four'], tokenDelayMs: 40 },
        log: (line) => {
          logLines.push(line);
          onLog?.(line);
        },
      });
      cleanups.push(() => app.close());
      const response = await app.post('/api/chat/stream', { message: 'Hi' });
      const reader = response.body!.getReader();
      // The first token is out: the lock is taken before the answer's final write.
      await reader.read();
      const lock = await holdWriteLock(app.databasePath);
      // Released once the final write failed busy (the retry then runs after the lock is free).
      const busyMet = new Promise<void>((resolve) => {
        onLog = (line) => {
          if (line.includes('database write failed, retrying')) resolve();
        };
      });
      void busyMet.then(() => lock.release());
      let rest = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        rest += new TextDecoder().decode(value);
      }
      const events = parseSse(rest).map((event) => event.data);
      expect(events.at(-1)).toMatchObject({ done: true });
      expect(logLines.some((line) => /SQLITE_BUSY|locked/.test(line))).toBe(true);

      const rows = await app.query<{ role: string; status: string; content: string }>(
        'select role, status, content from messages order by sequence',
      );
      expect(rows).toEqual([
        { role: 'user', status: 'complete', content: 'Hi' },
        { role: 'assistant', status: 'complete', content: 'one two three four' },
      ]);
      expect(await app.query('select id from conversations where active_generation_id is not null')).toEqual([]);
      const conversationId = response.headers.get('x-conversation-id');
      const next = await app.post('/api/chat', { message: 'Again', conversation_id: conversationId });
      expect(next.status).toBe(200);
    });
  });
});
