/**
 * HISTORY_MAX_CONVERSATIONS (API.md § Conversations): as an owner makes new conversations, on every
 * route that makes one, the least recently updated beyond the limit are deleted with their messages;
 * other owners and a conversation with a running generation are left alone. The query plan (no table
 * scan) is checked on libSQL in test/unit/conversation-retention-plan.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { eventually, sseEvents } from '../helpers/sse.ts';
import { useHarness, type CreateHarness, type Harness } from './harness.ts';

/** Makes a conversation one way; answers the response's status once its body was read. */
type Maker = (app: Harness) => Promise<number>;

const statusOf = async (response: Response) => {
  await response.text();
  return response.status;
};
const createEmpty: Maker = async (app) => statusOf(await app.post('/api/history', { title: 'empty' }));
const chat: Maker = async (app) => statusOf(await app.post('/api/chat', { message: 'Hi' }));

/** Every way a conversation is made (API.md): each answers 2xx with the new conversation stored. */
const makers: [string, Maker][] = [
  ['POST /api/history', createEmpty],
  ['/api/chat', chat],
  ['/api/chat/stream', async (app) => statusOf(await app.post('/api/chat/stream', { message: 'Hi' }))],
  [
    '/v1/chat/completions with X-Conversation-Id: new',
    async (app) =>
      statusOf(
        await app.post(
          '/v1/chat/completions',
          { model: 'llama3.2', messages: [{ role: 'user', content: 'Hi' }] },
          { headers: { 'X-Conversation-Id': 'new' } },
        ),
      ),
  ],
  [
    '/api/ui/chat',
    async (app) =>
      statusOf(
        await app.post('/api/ui/chat', {
          id: crypto.randomUUID(),
          messages: [{ id: crypto.randomUUID(), role: 'user', parts: [{ type: 'text', text: 'Hi' }] }],
          trigger: 'submit-message',
        }),
      ),
  ],
];

const conversationIds = async (app: Harness, ownerId = 'local') =>
  (await app.query<{ id: string }>('select id from conversations where owner_id = ? order by id', [ownerId])).map(
    (row) => row.id,
  );

const countOf = async (app: Harness, ownerId = 'local') =>
  (
    await app.query<{ conversation_count: number }>('select conversation_count from conversation_counts where owner_id = ?', [
      ownerId,
    ])
  )[0]?.conversation_count;

/**
 * Makes a conversation and returns its id. Its `updated_at` is then set to a fixed time in the past,
 * `index` seconds after 2020-01-01, so the order of the ones made is known whatever the clock does.
 */
async function make(app: Harness, maker: Maker, index: number): Promise<string> {
  const before = new Set(await conversationIds(app));
  expect(await maker(app)).toBeLessThan(300);
  const made = (await conversationIds(app)).filter((id) => !before.has(id));
  expect(made).toHaveLength(1);
  const id = made[0] ?? '';
  await app.query('update conversations set updated_at = ? where id = ?', [
    new Date(Date.UTC(2020, 0, 1, 0, 0, index)).toISOString(),
    id,
  ]);
  return id;
}

export function describeRetention(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);

  describe('HISTORY_MAX_CONVERSATIONS', () => {
    it('deletes the least recently updated conversations beyond the limit, with their messages, as each route makes a new one', async () => {
      const app = await start({ env: { HISTORY_MAX_CONVERSATIONS: '2' } });
      const made: string[] = [];
      for (const [index, [name, maker]] of makers.entries()) {
        made.push(await make(app, maker, index));
        expect(await conversationIds(app), name).toEqual(made.slice(-2).sort());
        expect(await countOf(app), name).toBe(Math.min(made.length, 2));
      }
      const orphans = await app.query('select id from messages where conversation_id not in (select id from conversations)');
      expect(orphans).toEqual([]);
    });

    it('keeps the newest ones when an older one was updated since (a new turn moves it up)', async () => {
      const app = await start({ env: { HISTORY_MAX_CONVERSATIONS: '2' } });
      const first = await make(app, createEmpty, 0);
      const second = await make(app, createEmpty, 1);
      // A turn in the first one makes it the most recently updated.
      expect((await app.post('/api/chat', { message: 'again', conversation_id: first })).status).toBe(200);
      const third = await make(app, createEmpty, 2);
      expect(await conversationIds(app)).toEqual([first, third].sort());
      expect(await conversationIds(app)).not.toContain(second);
    });

    it("leaves other owners' conversations alone", async () => {
      const app = await start({ env: { HISTORY_MAX_CONVERSATIONS: '1' } });
      for (let index = 0; index < 3; index += 1) {
        await app.query(
          "insert into conversations (id, owner_id, title, created_at, updated_at) values (?, 'someone-else', 'theirs', ?, ?)",
          [crypto.randomUUID(), '2019-01-01T00:00:00.000Z', '2019-01-01T00:00:00.000Z'],
        );
      }
      await make(app, createEmpty, 0);
      const newest = await make(app, chat, 1);
      expect(await conversationIds(app)).toEqual([newest]);
      expect(await conversationIds(app, 'someone-else')).toHaveLength(3);
      expect(await countOf(app, 'someone-else')).toBe(3);
    });

    it('never deletes a conversation whose generation is running; its answer is stored complete', async () => {
      const tokens = ['one ', 'two ', 'three ', 'four'];
      const app = await start({ env: { HISTORY_MAX_CONVERSATIONS: '1' }, ollama: { tokens, tokenDelayMs: 150 } });
      const stream = await app.post('/api/chat/stream', { message: 'Hi' });
      const events = sseEvents(stream);
      // The stream's first token: its generation holds the conversation's lock now.
      for (;;) {
        const next = await events.next();
        if (next.done === true || typeof next.value.event.data?.['token'] === 'string') break;
      }
      const [running] = await conversationIds(app);
      // The running one is the least recently updated, and one over the limit.
      await app.query("update conversations set updated_at = '2019-01-01T00:00:00.000Z' where id = ?", [running ?? '']);
      const newer = await make(app, createEmpty, 0);
      expect(await conversationIds(app)).toEqual([running, newer].sort());
      for (;;) if ((await events.next()).done === true) break;
      const rows = await eventually(async () => {
        const found = await app.query<{ role: string; status: string; content: string }>(
          'select role, status, content from messages where conversation_id = ? order by sequence',
          [running ?? ''],
        );
        return found.length === 2 ? found : undefined;
      });
      expect(rows[1]).toEqual({ role: 'assistant', status: 'complete', content: tokens.join('') });
      // Once it settled it is an ordinary conversation again: the next new one replaces both.
      const latest = await make(app, createEmpty, 1);
      expect(await conversationIds(app)).toEqual([latest]);
    });

    it('deletes a conversation whose lock expired (a crashed generation holds nothing)', async () => {
      const app = await start({ env: { HISTORY_MAX_CONVERSATIONS: '1' } });
      const crashed = await make(app, createEmpty, 0);
      await app.query("update conversations set active_generation_id = 'gone', active_generation_expires_at = 1 where id = ?", [
        crashed,
      ]);
      const newest = await make(app, createEmpty, 1);
      expect(await conversationIds(app)).toEqual([newest]);
    });

    it('keeps every conversation while it is unset', async () => {
      const app = await start();
      for (let index = 0; index < 5; index += 1) await make(app, index % 2 === 0 ? createEmpty : chat, index);
      expect(await conversationIds(app)).toHaveLength(5);
      expect(await countOf(app)).toBe(5);
    });
  });
}
