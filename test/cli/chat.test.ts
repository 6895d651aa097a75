/** `edge-llm chat` in a pseudo-terminal and with piped input, against a real server with the fake Ollama. */
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/sse.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { plainText, startCli, startCliInTerminal } from './cli-process.ts';

const slowTokens = Array.from({ length: 40 }, (_, index) => `w${String(index)} `);

interface StoredConversation {
  id: string;
  messages: { role: string; content: string; status: string }[];
}

async function onlyConversation(app: TestApp): Promise<StoredConversation> {
  const list = (await (await app.fetch('/api/history')).json()) as { conversations: { id: string }[] };
  expect(list.conversations).toHaveLength(1);
  return (await (await app.fetch(`/api/history/${list.conversations[0]?.id ?? ''}`)).json()) as StoredConversation;
}

// Every test runs the CLI as child processes, each starting Node: slower than in-process tests on a busy machine.
describe('edge-llm chat', { timeout: 60_000 }, () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('stops the streamed answer on Ctrl+C in a terminal, keeps it as aborted, and goes on in the same conversation until Ctrl+C on an empty line', async () => {
    app = await startTestApp({ ollama: { tokens: slowTokens, tokenDelayMs: 100 } });
    const cli = startCliInTerminal(['--url', app.url, 'chat']);
    await cli.waitFor(/> /);
    cli.write('Tell me a long story\r');
    await cli.waitFor(/w2 /);
    cli.write('\x03');
    await cli.waitFor(/stopped; the partial answer is kept as aborted/);
    await app.ollama.waitForAbort(1);

    const stopped = await eventually(async () => {
      const conversation = await onlyConversation(app as TestApp);
      return conversation.messages[1]?.status === 'aborted' ? conversation : undefined;
    });
    expect(stopped.messages[0]).toMatchObject({ role: 'user', content: 'Tell me a long story', status: 'complete' });
    const partial = stopped.messages[1]?.content ?? '';
    expect(partial.startsWith('w0 w1 w2 ')).toBe(true);
    expect(partial.length).toBeLessThan(slowTokens.join('').length);

    app.ollama.setBehaviour({ tokens: ['The', ' end.'], tokenDelayMs: 0 });
    const before = cli.output().length;
    cli.write('Finish it\r');
    await cli.waitFor(/The end\.[\s\S]*> /, before);
    const after = cli.output().length;
    cli.write('\x03');
    const { code } = await cli.exited();
    expect(code).toBe(0);
    expect(plainText(cli.output().slice(after))).not.toMatch(/edge-llm:/);

    const conversation = await onlyConversation(app);
    expect(conversation.messages.map((message) => [message.role, message.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'aborted'],
      ['user', 'complete'],
      ['assistant', 'complete'],
    ]);
    expect(conversation.messages[3]?.content).toBe('The end.');
  });

  it('takes piped lines with /model, /history and /new, stops an answer on SIGINT, and leaves at the end of input', async () => {
    app = await startTestApp({ ollama: { tokens: slowTokens, tokenDelayMs: 100 } });
    const cli = startCli(['chat', '--model', 'ollama/llama3.2:1b'], { env: { EDGE_LLM_URL: app.url } });
    cli.write('First question\n');
    await cli.waitFor(/w1 /);
    cli.child.kill('SIGINT');
    await cli.waitFor(/stopped/);
    app.ollama.setBehaviour({ tokens: ['Sure', '.'], tokenDelayMs: 0 });
    cli.write('/model ollama/llama3.2\nSecond question\n/history\n/new\nThird question\n');
    cli.child.stdin.end();
    const { code } = await cli.exited();
    expect(code).toBe(0);
    const output = cli.output();
    expect(output).toContain('model ollama/llama3.2\n');
    expect(output).toMatch(
      /you: First question\nassistant \(ollama\/llama3\.2:1b, aborted\): w0 w1 [\s\S]*\nyou: Second question\nassistant \(ollama\/llama3\.2\): Sure\.\n/,
    );
    expect(output).toContain('new conversation\n');

    const models = app.ollama.requests
      .filter((request) => request.path === '/api/chat')
      .map((request) => (request.body as { model: string }).model);
    expect(models).toEqual(['llama3.2:1b', 'llama3.2', 'llama3.2']);
    const list = (await (await app.fetch('/api/history')).json()) as {
      conversations: { title: string; message_count: number }[];
    };
    expect(list.conversations.map((conversation) => [conversation.title, conversation.message_count])).toEqual([
      ['Third question', 2],
      ['First question', 4],
    ]);
  });

  it('continues a stored conversation with --conversation and prints one JSON object a turn with --json', async () => {
    app = await startTestApp();
    const first = (await (await app.post('/api/chat', { message: 'Earlier' })).json()) as { conversation_id: string };
    const cli = startCli(['chat', '--json', '--conversation', first.conversation_id], { env: { EDGE_LLM_URL: app.url } });
    cli.write('Later\n');
    cli.child.stdin.end();
    const { code } = await cli.exited();
    expect(code).toBe(0);
    expect(JSON.parse(cli.output())).toEqual({
      conversation_id: first.conversation_id,
      message_id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
      model: 'ollama/llama3.2',
      response: 'Hello, world!',
      status: 'complete',
      usage: { input_tokens: expect.any(Number) as unknown, output_tokens: 4 },
    });
    const stored = (await (await app.fetch(`/api/history/${first.conversation_id}`)).json()) as StoredConversation;
    expect(stored.messages.map((message) => message.content)).toEqual(['Earlier', 'Hello, world!', 'Later', 'Hello, world!']);

    const missing = startCli(['chat', '--conversation', '0f8fad5b-d9cb-469f-a165-70867728950e'], {
      env: { EDGE_LLM_URL: app.url },
    });
    missing.child.stdin.end();
    expect((await missing.exited()).code).toBe(1);
    expect(missing.output()).toBe('edge-llm: Conversation not found [NOT_FOUND 404]\n');
  });
});
