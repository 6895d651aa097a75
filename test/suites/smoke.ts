import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSse } from '../helpers/sse.ts';
import type { CreateHarness, Harness } from './harness.ts';

export function describeSmoke(createHarness: CreateHarness): void {
  describe('smoke', () => {
    let api: Harness;
    beforeEach(async () => {
      api = await createHarness();
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
}
