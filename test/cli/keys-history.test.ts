/** `edge-llm keys` and `edge-llm history` as child processes against a server that requires auth. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { adminKey, authRequired } from '../suites/auth-support.ts';
import { runCli } from './cli-process.ts';

// Every test runs the CLI as child processes, each starting Node: slower than in-process tests on a busy machine.
describe('edge-llm keys and history', { timeout: 60_000 }, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: authRequired() });
  });
  afterAll(() => app.close());
  const as = (key: string) => ({ env: { EDGE_LLM_URL: app.url, EDGE_LLM_API_KEY: key } });

  it('creates a key shown once alone on stdout, lists it, and revokes it so that it is refused from then on', async () => {
    const created = await runCli(
      [
        'keys',
        'create',
        'ci job',
        '--models',
        'ollama/llama3.2',
        '--requests-per-minute',
        '30',
        '--expires-at',
        '2099-01-01T00:00:00Z',
      ],
      as(adminKey),
    );
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(created.stdout).toMatch(/^ela_[\w-]{43}\n$/);
    expect(created.stderr).toMatch(
      /^created key 'ci job' \(id [0-9a-f-]{36}, prefix ela_[\w-]+, user admin, role user\); it is shown only now:\n$/,
    );
    const id = /id ([0-9a-f-]{36})/.exec(created.stderr)?.[1] ?? '';

    const query = await runCli(['query', 'Hi'], as(key));
    expect(query).toMatchObject({ code: 0, stdout: 'Hello, world!\n' });
    const otherModel = await runCli(['query', 'Hi', '--model', 'ollama/llama3.2:1b'], as(key));
    expect(otherModel.code).toBe(1);
    expect(otherModel.stderr).toMatch(/\[FORBIDDEN 403\]\n$/);

    const table = await runCli(['keys', 'list'], as(adminKey));
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+ci job\\s+${key.slice(0, 12)}\\s+admin\\s+user\\s+ollama/llama3\\.2\\s+`));
    expect(table.stdout).not.toContain(key);
    const listed = JSON.parse((await runCli(['keys', 'list', '--json'], as(adminKey))).stdout) as {
      keys: Record<string, unknown>[];
    };
    expect(listed.keys.find((row) => row['id'] === id)).toMatchObject({
      name: 'ci job',
      models: ['ollama/llama3.2'],
      limits: { requests_per_minute: 30 },
      expires_at: '2099-01-01T00:00:00.000Z',
      revoked_at: null,
    });

    const revoked = await runCli(['keys', 'revoke', id], as(adminKey));
    expect(revoked).toMatchObject({ code: 0, stdout: `Key revoked: ${id}\n` });
    const refused = await runCli(['query', 'Hi'], as(key));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^edge-llm: The credential is invalid, expired or revoked \[UNAUTHORIZED 401\]\n$/);
  });

  it('refuses admin-only fields for a user key with one line naming the field', async () => {
    const userKey = (await runCli(['keys', 'create', 'plain'], as(adminKey))).stdout.trim();
    const result = await runCli(['keys', 'create', 'escalate', '--role', 'admin'], as(userKey));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^edge-llm: .* \(role: .*\) \[FORBIDDEN 403\]\n$/);
  });

  it("lists, shows and deletes the caller's conversations", async () => {
    const registered = await app.post('/api/auth/register', { email: 'reader@example.com', password: 'correct horse battery' });
    const { user } = (await registered.json()) as { user: { id: string } };
    const key = (await runCli(['keys', 'create', 'history', '--user-id', user.id], as(adminKey))).stdout.trim();
    const asked = await runCli(['query', 'Remember this', '--json'], as(key));
    const { conversation_id: id } = JSON.parse(asked.stdout) as { conversation_id: string };

    const list = await runCli(['history', 'list'], as(key));
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+Remember this\\s+ollama/llama3\\.2\\s+2\\s+\\d{4}-`));
    expect(list.stdout).toMatch(/1 of 1 \(offset 0\)\n$/);
    const json = JSON.parse((await runCli(['history', 'list', '--json', '--limit', '5'], as(key))).stdout) as Record<
      string,
      unknown
    >;
    expect(json).toMatchObject({ total: 1, limit: 5, offset: 0 });

    const shown = await runCli(['history', 'show', id], as(key));
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/\nyou: Remember this\nassistant \(ollama\/llama3\.2\): Hello, world!\n$/);

    const someoneElse = await runCli(['history', 'show', id], as(adminKey));
    expect(someoneElse).toMatchObject({ code: 1, stderr: 'edge-llm: Conversation not found [NOT_FOUND 404]\n' });

    const deleted = await runCli(['history', 'delete', id], as(key));
    expect(deleted).toMatchObject({ code: 0, stdout: `Conversation deleted successfully: ${id}\n` });
    const gone = await runCli(['history', 'show', id, '--json'], as(key));
    expect(gone.code).toBe(1);
  });
});
