import { afterEach, describe, expect, it } from 'vitest';
import { ConversationStore, type NewTurn } from '../src/db/conversation-store.ts';
import type { Database } from '../src/db/database.ts';
import { openMigratedDatabase } from './helpers/migrated-database.ts';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function openStore(): Promise<{ store: ConversationStore; database: Database }> {
  const { database, close } = await openMigratedDatabase();
  cleanup = close;
  return { store: new ConversationStore(database), database };
}

const now = '2026-11-23T10:00:00.000Z';
const turn = (userMessageId: string): NewTurn => ({
  ownerId: 'local',
  generationId: crypto.randomUUID(),
  lockExpiresAt: Date.parse(now) + 60_000,
  now,
  model: 'ollama/llama3.2',
  userMessage: { id: userMessageId, role: 'user', content: 'Same', status: 'complete', createdAt: now, completedAt: now },
});

describe('turns keyed by the client message id, when retries race past the lookup', () => {
  it('starts one new conversation for two turns with one user message id; the other is told the id is taken', async () => {
    const { store } = await openStore();
    const messageId = crypto.randomUUID();
    const results = await Promise.all([
      store.beginNewConversationTurn(crypto.randomUUID(), 'Same', turn(messageId)),
      store.beginNewConversationTurn(crypto.randomUUID(), 'Same', turn(messageId)),
    ]);
    expect(results.map((result) => result.outcome).sort()).toEqual(['started', 'taken']);
    expect((await store.list('local', 10, 0)).rows).toHaveLength(1);
    const lookup = await store.findTurn('local', messageId, Date.parse(now));
    expect(lookup).toMatchObject({ found: 'own', locked: true, answer: undefined });
  });

  it('takes no lock in a second conversation for a user message id stored in the first', async () => {
    const { store } = await openStore();
    const messageId = crypto.randomUUID();
    const [first, second] = [crypto.randomUUID(), crypto.randomUUID()];
    for (const id of [first, second]) await store.create({ id, ownerId: 'local', title: null, now });
    const results = await Promise.all([
      store.beginTurn(first, 'Same', turn(messageId)),
      store.beginTurn(second, 'Same', turn(messageId)),
    ]);
    expect(results.map((result) => result.outcome).sort()).toEqual(['conflict', 'started']);
    const locked = (await store.list('local', 10, 0)).rows.filter((row) => row.activeGenerationId !== null);
    expect(locked).toHaveLength(1);
    expect(locked[0]?.messageCount).toBe(1);
  });

  it('reports an id another owner uses as foreign, without its message', async () => {
    const { store } = await openStore();
    const messageId = crypto.randomUUID();
    await store.beginNewConversationTurn(crypto.randomUUID(), 'Same', { ...turn(messageId), ownerId: 'someone-else' });
    expect(await store.findTurn('local', messageId, Date.parse(now))).toEqual({ found: 'foreign' });
    expect(await store.findTurn('local', crypto.randomUUID(), Date.parse(now))).toEqual({ found: 'none' });
  });
});
