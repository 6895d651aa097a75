/** One JSON access-log line per request (API.md § Operations); a stream's line once it settled, with its outcome; no secrets. */
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, readSse } from '../helpers/sse.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { adminKey } from '../suites/auth-support.ts';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

interface RequestLine {
  message: string;
  time: string;
  request_id: string;
  method: string;
  route: string;
  status: number;
  duration_ms: number;
  caller: string | null;
  provider?: string;
  model?: string;
  outcome?: string;
  input_tokens?: number | null;
  output_tokens?: number | null;
}

describe('the access log', () => {
  it('writes one line per request with its route pattern, status and caller, and the model call of a generation', async () => {
    const lines: string[] = [];
    app = await startTestApp({ log: (line) => lines.push(line), ollama: { tokens: ['a', 'b'], promptEvalCount: 3 } });
    const chat = await app.post('/api/chat', { message: 'secret message body' }, { headers: { 'x-request-id': 'req-chat-1' } });
    const { conversation_id: id } = (await chat.json()) as { conversation_id: string };
    await app.fetch(`/api/history/${id}`);
    const requests = () => lines.map((line) => JSON.parse(line) as RequestLine).filter((line) => line.message === 'request');
    const [chatLine, historyLine] = await eventually(() => Promise.resolve(requests().length >= 2 ? requests() : undefined));
    expect(chatLine).toMatchObject({
      request_id: 'req-chat-1',
      method: 'POST',
      route: '/api/chat',
      status: 200,
      caller: 'local',
      provider: 'ollama',
      model: 'ollama/llama3.2',
      outcome: 'complete',
      input_tokens: 3,
      output_tokens: 2,
    });
    expect(chatLine?.time).toMatch(/Z$/);
    expect(chatLine?.duration_ms).toBeGreaterThan(0);
    expect(historyLine).toMatchObject({ method: 'GET', route: '/api/history/:id', status: 200 });
    expect(historyLine).not.toHaveProperty('model');
    expect(lines.join('\n')).not.toContain('secret message body');
    expect(lines.join('\n')).not.toContain(id);
  });

  it("writes a stream's line when it settles, with the stream's outcome", async () => {
    const lines: string[] = [];
    app = await startTestApp({
      log: (line) => lines.push(line),
      ollama: { tokens: Array.from({ length: 10 }, () => 't'), tokenDelayMs: 20 },
    });
    const response = await app.post('/api/chat/stream', { message: 'Hi' });
    expect(lines.filter((line) => line.includes('"message":"request"'))).toHaveLength(0);
    await readSse(response);
    const line = await eventually(() => Promise.resolve(lines.find((entry) => entry.includes('"route":"/api/chat/stream"'))));
    expect(JSON.parse(line)).toMatchObject({ status: 200, outcome: 'complete', output_tokens: 10 });
    expect((JSON.parse(line) as RequestLine).duration_ms).toBeGreaterThan(150);
  });

  it('logs refused requests too, and never a credential', async () => {
    const lines: string[] = [];
    app = await startTestApp({ log: (line) => lines.push(line), env: { AUTH_REQUIRED: 'true', ADMIN_API_KEY: adminKey } });
    await app.fetch('/api/history', { headers: { authorization: 'Bearer ela_not-a-real-key-but-a-secret-looking-one' } });
    await app.fetch('/api/history', { headers: { authorization: `Bearer ${adminKey}` } });
    const logged = await eventually(() =>
      Promise.resolve(lines.filter((entry) => entry.includes('"message":"request"')).length >= 2 ? lines : undefined),
    );
    const requestLines = logged
      .filter((entry) => entry.includes('"message":"request"'))
      .map((entry) => JSON.parse(entry) as RequestLine);
    expect(requestLines.map((entry) => [entry.status, entry.caller])).toEqual([
      [401, null],
      [200, 'admin'],
    ]);
    expect(logged.join('\n')).not.toContain(adminKey);
    expect(logged.join('\n')).not.toContain('secret-looking');
  });
});
