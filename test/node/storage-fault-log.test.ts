/**
 * An answer that could not be stored is logged with what finds it again (RELIABILITY.md case 38): the
 * request id the client got in X-Request-Id, the conversation and the message. Node only: the suites
 * cannot read workerd's console.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { finalWrite } from '../helpers/database-faults.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('an answer that could not be stored', () => {
  it('is logged as an error with its request id, conversation and message', async () => {
    const lines: string[] = [];
    app = await startTestApp({ databaseFaults: true, log: (line) => lines.push(line), ollama: { tokens: ['Lost'] } });
    app.databaseFaults!.inject(finalWrite, { kind: 'fail-before', message: 'D1_ERROR: Network connection lost.' }, 4);
    const response = await app.post('/api/chat', { message: 'Hi' });
    expect(response.status).toBe(500);
    const requestId = response.headers.get('x-request-id');
    const [conversation] = await app.query<{ id: string }>('select id from conversations');
    const logged = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line['message'] === 'the answer could not be stored');
    expect(logged).toEqual([
      expect.objectContaining({
        level: 'error',
        request_id: requestId,
        conversation_id: conversation?.id,
        message_id: expect.any(String) as unknown,
        status: 'complete',
        error: 'D1_ERROR: Network connection lost.',
      }),
    ]);
  });
});
