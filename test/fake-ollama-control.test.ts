import { afterEach, describe, expect, it } from 'vitest';
import { fakeOllamaClient, launcherUnusedUrl, launchFakeOllama } from './helpers/fake-ollama-client.ts';
import { startFakeOllamaLauncher, type FakeOllamaLauncher } from './helpers/fake-ollama-launcher.ts';
import { startFakeOllama, type FakeOllama } from './helpers/fake-ollama.ts';

const chatBody = { model: 'llama3.2', messages: [{ role: 'user', content: 'Hi' }], stream: false };
const chat = (url: string) =>
  fetch(`${url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(chatBody) });
const answerOf = async (response: Response) => ((await response.json()) as { message: { content: string } }).message.content;

let fake: FakeOllama | undefined;
let launcher: FakeOllamaLauncher | undefined;
afterEach(async () => {
  await fake?.close();
  await launcher?.close();
  fake = undefined;
  launcher = undefined;
});

describe('fake Ollama control API (for tests in workerd and other processes)', () => {
  it('sets the behaviour over HTTP, and null clears a field', async () => {
    fake = await startFakeOllama();
    const control = fakeOllamaClient(fake.url);
    await control.setBehaviour({ tokens: ['a', 'b'], fault: { kind: 'http-error', status: 500, body: '{"error":"x"}' } });
    expect((await chat(fake.url)).status).toBe(500);
    await control.setBehaviour({ fault: undefined });
    const response = await chat(fake.url);
    expect(response.status).toBe(200);
    expect(await answerOf(response)).toBe('ab');
  });

  it('enqueues one-off behaviours, sets models and reports requests, hits and aborts; control calls are not recorded', async () => {
    fake = await startFakeOllama();
    const control = fakeOllamaClient(fake.url);
    await control.enqueue({ tokens: ['first'] });
    expect(await answerOf(await chat(fake.url))).toBe('first');
    expect(await answerOf(await chat(fake.url))).toBe('Hello, world!');
    await control.setModels(['qwen3:8b']);
    expect((await chat(fake.url)).status).toBe(404);

    const requests = await control.requests();
    expect(requests.map((request) => [request.method, request.path])).toEqual([
      ['POST', '/api/chat'],
      ['POST', '/api/chat'],
      ['POST', '/api/chat'],
    ]);
    expect(requests[0]?.body).toEqual(chatBody);
    expect(await control.hits('/api/chat')).toBe(3);
    expect(await control.hits('/api/tags')).toBe(0);

    expect(await control.waitForAbort(1, 100).catch((error: unknown) => String(error))).toMatch(/expected 1 aborted/);
  });

  it('waits for an aborted generation reported over HTTP', async () => {
    fake = await startFakeOllama({ tokens: ['a', 'b', 'c'], tokenDelayMs: 200 });
    const control = fakeOllamaClient(fake.url);
    const controller = new AbortController();
    const response = await fetch(`${fake.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ ...chatBody, stream: true }),
      signal: controller.signal,
    });
    await response.body?.getReader().read();
    controller.abort();
    await control.waitForAbort(1, 2000);
    expect(await control.abortedRequests()).toBe(1);
    await control.reset();
    expect(await control.abortedRequests()).toBe(0);
    expect(await control.hits()).toBe(0);
  });

  it('answers an unknown control route with 404 and a bad body with 400', async () => {
    fake = await startFakeOllama();
    expect((await fetch(`${fake.url}/__fake/nope`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${fake.url}/__fake/enqueue`, { method: 'POST', body: '{"tokens":[]}' })).status).toBe(400);
    expect(fake.hits()).toBe(0);
  });

  it('launches separate fakes on request and closes them, and finds an unused port', async () => {
    launcher = await startFakeOllamaLauncher();
    const one = await launchFakeOllama(launcher.url, { tokens: ['one'] });
    const two = await launchFakeOllama(launcher.url);
    expect(one.url).not.toBe(two.url);
    expect(await answerOf(await chat(one.url))).toBe('one');
    expect(await fakeOllamaClient(two.url).hits()).toBe(0);
    await one.close();
    await expect(chat(one.url)).rejects.toThrow();
    await expect(chat(await launcherUnusedUrl(launcher.url))).rejects.toThrow();
    await two.close();
  });
});
