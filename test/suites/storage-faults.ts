/**
 * Storage faults on the final write of a turn (RELIABILITY.md cases 37–39), on libSQL (Node) and D1
 * (workerd): faults are injected into the database driver the app receives (test/helpers/database-faults.ts),
 * or raised by the real database (a trigger that fails the batch's second statement). Whatever happens,
 * the answer is stored at most once, and a write that is given up ends in a terminal status or nothing.
 */
import { describe, expect, it } from 'vitest';
import { finalWrite } from '../helpers/database-faults.ts';
import { eventually, sleep, sseEvents } from '../helpers/sse.ts';
import { useHarness, type CreateHarness, type Harness } from './harness.ts';

interface MessageRow {
  role: string;
  status: string;
  content: string;
}

const tokens = ['Stored ', 'once', '.'];

const messages = (app: Harness) =>
  app.query<MessageRow>('select role, status, content from messages order by conversation_id, sequence');
const locks = (app: Harness) => app.query('select id from conversations where active_generation_id is not null');

/** The stream's events with the time each arrived. */
async function timedEvents(response: Response): Promise<{ data: Record<string, unknown>; at: number }[]> {
  const events: { data: Record<string, unknown>; at: number }[] = [];
  for await (const { event, at } of sseEvents(response)) if (event.data !== undefined) events.push({ data: event.data, at });
  return events;
}

export function describeStorageFaults(createHarness: CreateHarness): void {
  const start = useHarness(createHarness);
  const withFaults = (env: Record<string, string> = {}) =>
    start({ databaseFaults: true, env: { DATABASE_WRITE_TIMEOUT_MS: '300', ...env }, ollama: { tokens } });

  describe('storage faults on the final write of a turn', () => {
    it('retries a final write that failed before it ran and stores the answer once', async () => {
      const app = await withFaults();
      app.databaseFaults!.inject(finalWrite, { kind: 'fail-before', message: 'D1_ERROR: Network connection lost.' });
      const response = await app.post('/api/chat', { message: 'Hi' });
      expect(response.status).toBe(200);
      expect(app.databaseFaults!.batches(finalWrite)).toBe(2);
      expect(await messages(app)).toEqual([
        { role: 'user', status: 'complete', content: 'Hi' },
        { role: 'assistant', status: 'complete', content: 'Stored once.' },
      ]);
      expect(await locks(app)).toEqual([]);
    });

    it('retries a final write whose answer was lost after it committed, without a second row', async () => {
      const app = await withFaults();
      app.databaseFaults!.inject(finalWrite, { kind: 'fail-after', message: 'D1_ERROR: Network connection lost.' });
      const response = await app.post('/api/chat/stream', { message: 'Hi' });
      const events = await timedEvents(response);
      expect(events.at(-1)?.data).toMatchObject({ done: true });
      expect(app.databaseFaults!.batches(finalWrite)).toBe(2);
      expect(await messages(app)).toEqual([
        { role: 'user', status: 'complete', content: 'Hi' },
        { role: 'assistant', status: 'complete', content: 'Stored once.' },
      ]);
      expect(await app.query('select id from usage')).toHaveLength(1);
      expect(await locks(app)).toEqual([]);
    });

    it('gives up a final write stalled past DATABASE_WRITE_TIMEOUT_MS and stores the answer by a retry, tokens first', async () => {
      const app = await withFaults();
      app.databaseFaults!.inject(finalWrite, { kind: 'stall', ms: 3000 });
      const response = await app.post('/api/chat/stream', { message: 'Hi' });
      const events = await timedEvents(response);
      const text = events.filter((event) => typeof event.data['token'] === 'string');
      const done = events.at(-1);
      expect(text.map((event) => event.data['token']).join('')).toBe('Stored once.');
      expect(done?.data).toMatchObject({ done: true });
      // The text went out before the write; the done event waited for the retry, not for the stall.
      const waited = (done?.at ?? 0) - (text.at(-1)?.at ?? 0);
      expect(waited).toBeGreaterThanOrEqual(250);
      expect(waited).toBeLessThan(2500);
      expect(app.databaseFaults!.stalled()).toBe(1);
      expect(await messages(app)).toEqual([
        { role: 'user', status: 'complete', content: 'Hi' },
        { role: 'assistant', status: 'complete', content: 'Stored once.' },
      ]);
      expect(await locks(app)).toEqual([]);
      // The stalled attempt commits late and changes nothing.
      await eventually(() => Promise.resolve(app.databaseFaults!.stalled() === 0 ? true : undefined), 5000);
      await sleep(100);
      expect(await messages(app)).toHaveLength(2);
    }, 15_000);

    it('ends the stream with an error when every attempt stalls, and the late write still leaves the turn terminal and unlocked', async () => {
      const app = await withFaults({ DATABASE_WRITE_TIMEOUT_MS: '100' });
      app.databaseFaults!.inject(finalWrite, { kind: 'stall', ms: 2500 }, 4);
      const response = await app.post('/api/chat/stream', { message: 'Hi' });
      const events = await timedEvents(response);
      expect(
        events
          .map((event) => event.data['token'])
          .filter(Boolean)
          .join(''),
      ).toBe('Stored once.');
      expect(events.at(-1)?.data).toMatchObject({ code: 'INTERNAL_ERROR' });
      expect(events.some((event) => event.data['done'] === true)).toBe(false);
      // The stream ended before the database answered.
      expect(app.databaseFaults!.stalled()).toBeGreaterThan(0);
      const rows = await eventually(async () => {
        const found = await messages(app);
        return found.length === 2 && (await locks(app)).length === 0 ? found : undefined;
      }, 6000);
      expect(rows[1]).toEqual({ role: 'assistant', status: 'complete', content: 'Stored once.' });
      await eventually(() => Promise.resolve(app.databaseFaults!.stalled() === 0 ? true : undefined), 6000);
      expect(await messages(app)).toHaveLength(2);
    }, 20_000);

    it('commits nothing of a final write whose second statement fails: no answer row, the lock still held', async () => {
      const app = await start({ ollama: { tokens } });
      // The batch is [insert the answer, free the lock]; the real database fails the second statement.
      await app.query(
        `create trigger fail_unlock before update of active_generation_id on conversations
          when new.active_generation_id is null begin select raise(abort, 'injected: the second statement fails'); end`,
      );
      try {
        const response = await app.post('/api/chat', { message: 'Hi' });
        expect(response.status).toBe(500);
        expect(await response.json()).toMatchObject({ code: 'INTERNAL_ERROR' });
        expect(await messages(app)).toEqual([{ role: 'user', status: 'complete', content: 'Hi' }]);
        // The lock is released by the same write or not at all: the conversation stays busy until it expires.
        expect(await locks(app)).toHaveLength(1);
      } finally {
        await app.query('drop trigger fail_unlock');
      }
      // The database is not left in a transaction: the next turn, elsewhere, works.
      const next = await app.post('/api/chat', { message: 'Next' });
      expect(next.status).toBe(200);
    });
  });
}
