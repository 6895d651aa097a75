/**
 * The chat web app in a real browser (Debian's Chromium through playwright-core) against the real
 * server: Node, a libSQL file in a temp folder, the fake Ollama. Driven by the accessible names of
 * API.md § "Web app and clients"; what the page stored is checked through the API.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { eventually } from '../helpers/sse.ts';
import {
  chromiumMissing,
  chromiumPath,
  launchChromium,
  openApp,
  screenshot,
  type AppPage,
  type BrowserSession,
} from './browser.ts';

interface StoredConversation {
  id: string;
  title: string;
  messages: { role: string; content: string; status: string }[];
}

const slowTokens = Array.from({ length: 60 }, (_, index) => `word${String(index)} `);

if (chromiumMissing) console.warn(`browser tests skipped: ${chromiumPath} is missing (apt-get install -y chromium)`);

describe.skipIf(chromiumMissing)('the chat web app in Chromium', { timeout: 45_000 }, () => {
  let session: BrowserSession | undefined;
  let app: TestApp;
  let opened: AppPage | undefined;

  beforeAll(async () => {
    session = await launchChromium();
  }, 30_000);
  afterAll(async () => {
    await session?.close();
  });
  afterEach(async () => {
    await opened?.context.close();
    opened = undefined;
    await app.close();
  });

  const start = async (options: Parameters<typeof startTestApp>[0] = {}, viewport?: { width: number; height: number }) => {
    app = await startTestApp({ ...options, env: { KEEPALIVE_SECONDS: '0.2', ...options.env } });
    if (session === undefined) throw new Error('Chromium did not start');
    opened = await openApp(session, `${app.url}/`, viewport);
    await opened.page.getByRole('textbox', { name: 'Message' }).waitFor();
    return opened.page;
  };
  const conversationIdOf = (page: Page) => /#\/c\/([\w-]+)$/.exec(page.url())?.[1] ?? '';
  const stored = async (id: string) => (await (await app.fetch(`/api/history/${id}`)).json()) as StoredConversation;
  const send = async (page: Page, text: string) => {
    await page.getByRole('textbox', { name: 'Message' }).fill(text);
    await page.getByRole('button', { name: 'Send' }).click();
  };
  const answers = (page: Page) => page.getByRole('article', { name: 'Answer' });

  it('sends with Enter (Shift+Enter is a new line), streams the answer as it comes, and lists the conversation', async () => {
    const page = await start({ ollama: { tokens: ['Hello', ' from', ' the', ' **fake**', ' model', '.'], tokenDelayMs: 150 } });
    await screenshot(page, 'empty-chat');
    const message = page.getByRole('textbox', { name: 'Message' });
    await message.fill('First line');
    await message.press('Shift+Enter');
    await message.pressSequentially('second line');
    expect(await message.inputValue()).toBe('First line\nsecond line');
    expect(app.ollama.hits('/api/chat')).toBe(0);
    await message.press('Enter');

    // Part of the answer is on the page before the rest has been written.
    await expect.poll(() => answers(page).first().textContent()).toContain('Hello from');
    expect(await answers(page).first().textContent()).not.toContain('model.');
    await expect.poll(() => answers(page).first().textContent()).toContain('Hello from the fake model.');
    expect(await answers(page).first().locator('strong').textContent()).toBe('fake');
    expect(await message.inputValue()).toBe('');

    const link = page.getByRole('link', { name: 'First line second line' });
    await link.waitFor();
    const conversation = await stored(conversationIdOf(page));
    expect(conversation.messages.map((entry) => [entry.role, entry.content, entry.status])).toEqual([
      ['user', 'First line\nsecond line', 'complete'],
      ['assistant', 'Hello from the **fake** model.', 'complete'],
    ]);
    await screenshot(page, 'answered');
  });

  it('stops a streaming answer with Stop, and the partial answer is stored as aborted', async () => {
    const page = await start({ ollama: { tokens: slowTokens, tokenDelayMs: 80 } });
    await send(page, 'Count slowly');
    await expect.poll(() => answers(page).first().textContent()).toContain('word3');
    await screenshot(page, 'streaming');
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('button', { name: 'Send' }).waitFor();
    await app.ollama.waitForAbort(1, 3000);
    const id = conversationIdOf(page);
    const assistant = await eventually(async () => (await stored(id)).messages.find((entry) => entry.role === 'assistant'));
    expect(assistant.status).toBe('aborted');
    expect(slowTokens.join('').startsWith(assistant.content)).toBe(true);
    expect(assistant.content).toContain('word3');
    expect(assistant.content.length).toBeLessThan(slowTokens.join('').length);
    await page.getByText('Stopped').waitFor();
  });

  it('regenerates the last answer in place and copies an answer', async () => {
    const page = await start({ ollama: { tokens: ['First', ' try'] } });
    await send(page, 'Say something');
    await expect.poll(() => answers(page).first().textContent()).toContain('First try');
    app.ollama.setBehaviour({ tokens: ['Second', ' try'] });
    await page.getByRole('button', { name: 'Regenerate' }).click();
    await expect.poll(() => answers(page).first().textContent()).toContain('Second try');
    expect(await answers(page).count()).toBe(1);
    const conversation = await stored(conversationIdOf(page));
    expect(conversation.messages.map((entry) => [entry.role, entry.content])).toEqual([
      ['user', 'Say something'],
      ['assistant', 'Second try'],
    ]);

    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('Copied').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('Second try');
  });

  it('renames and deletes conversations from the sidebar', async () => {
    const page = await start({ ollama: { tokens: ['ok'] } });
    await send(page, 'Keep this one');
    await page.getByRole('link', { name: 'Keep this one' }).waitFor();
    const keptId = conversationIdOf(page);
    await page.getByRole('button', { name: 'New chat' }).click();
    await send(page, 'Throw this away');
    await page.getByRole('link', { name: 'Throw this away' }).waitFor();
    const thrownId = conversationIdOf(page);

    const kept = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: 'Keep this one' }) });
    await kept.getByRole('button', { name: 'Rename conversation' }).click();
    const title = page.getByRole('textbox', { name: 'Conversation title' });
    await title.fill('Renamed notes');
    await screenshot(page, 'rename');
    await title.press('Enter');
    await page.getByRole('link', { name: 'Renamed notes' }).waitFor();
    expect((await stored(keptId)).title).toBe('Renamed notes');

    const thrown = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: 'Throw this away' }) });
    await thrown.getByRole('button', { name: 'Delete conversation' }).click();
    await page.getByRole('button', { name: 'Confirm delete' }).click();
    await expect.poll(() => page.getByRole('link', { name: 'Throw this away' }).count()).toBe(0);
    expect((await app.fetch(`/api/history/${thrownId}`)).status).toBe(404);
    expect(await page.getByRole('link', { name: 'Renamed notes' }).count()).toBe(1);
  });

  it('keeps the list (newest first) and the open conversation after a reload, and pages through older ones', async () => {
    const page = await start({ ollama: { tokens: ['answer'] } });
    for (let index = 0; index < 22; index += 1) {
      const created = await app.post('/api/history', { title: `Old ${String(index).padStart(2, '0')}` });
      expect(created.status).toBe(201);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await send(page, 'Newest question');
    await page.getByRole('link', { name: 'Newest question' }).waitFor();
    await page.reload();
    await page.getByRole('link', { name: 'Newest question' }).waitFor();
    await expect.poll(() => answers(page).first().textContent()).toContain('answer');
    const names = await page.getByRole('navigation', { name: 'Conversations' }).getByRole('link').allTextContents();
    expect(names.slice(0, 3)).toEqual(['Newest question', 'Old 21', 'Old 20']);
    expect(names).toHaveLength(20);
    await page.getByRole('button', { name: 'Show more' }).click();
    await expect.poll(async () => page.getByRole('navigation', { name: 'Conversations' }).getByRole('link').count()).toBe(23);
    expect(await page.getByRole('button', { name: 'Show more' }).count()).toBe(0);
  });

  it('offers the models of /api/models, aliases included, in the Model combobox and sends the chosen one', async () => {
    const page = await start({ ollama: { tokens: ['small'] }, env: { MODEL_ALIASES: 'fast=ollama/llama3.2:1b' } });
    const picker = page.getByRole('combobox', { name: 'Model' });
    await expect.poll(async () => (await picker.locator('option').allTextContents()).join('|')).toContain('fast (alias)');
    expect(await picker.locator('option').allTextContents()).toEqual([
      'Default model',
      'ollama/llama3.2:latest',
      'ollama/llama3.2:1b',
      'fast (alias)',
    ]);
    await picker.selectOption('fast');
    await send(page, 'Use the fast one');
    await expect.poll(() => answers(page).first().textContent()).toContain('small');
    const chat = app.ollama.requests.filter((request) => request.path === '/api/chat').at(-1);
    expect((chat?.body as { model: string }).model).toBe('llama3.2:1b');
  });

  it('shows a 429 with its Retry-After wait in an alert', async () => {
    const page = await start();
    app.ollama.enqueue({
      fault: { kind: 'http-error', status: 429, body: '{"error":"too many"}', headers: { 'Retry-After': '30' } },
    });
    await send(page, 'Too fast?');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Too many requests: try again in 30 seconds.');
    await screenshot(page, 'error-429');
  });

  it('shows "the model server cannot be reached" when Ollama is down (503), and retries once it is back', async () => {
    const page = await start({ ollama: { tokens: ['back', ' again'] } });
    app.ollama.enqueue({ fault: { kind: 'http-error', status: 503, body: '{"error":"loading"}' } });
    await send(page, 'Are you there?');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('The model server cannot be reached');
    await screenshot(page, 'error-503');
    await alert.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => answers(page).first().textContent()).toContain('back again');
    expect(await page.getByRole('alert').count()).toBe(0);
    const conversation = await stored(conversationIdOf(page));
    expect(conversation.messages.map((entry) => [entry.role, entry.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'complete'],
    ]);
  });

  it('renders HTML in a model answer as text (no element, no script), and Markdown images as links', async () => {
    const page = await start({
      ollama: {
        tokens: ['Look: <img src=x onerror=alert(1)> and ', '<script>alert(2)</script>', ' ![pic](https://example.com/p.png)'],
      },
    });
    await send(page, 'Show me HTML');
    await expect.poll(() => answers(page).first().textContent()).toContain('<img src=x onerror=alert(1)>');
    expect(await answers(page).first().textContent()).toContain('<script>alert(2)</script>');
    expect(await page.locator('article img, article script').count()).toBe(0);
    expect(await answers(page).first().getByRole('link', { name: 'pic' }).getAttribute('href')).toBe('https://example.com/p.png');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(opened?.dialogs).toEqual([]);
    await screenshot(page, 'xss-as-text');
  });

  it('requests nothing from any other origin and breaks no CSP rule through a whole conversation', async () => {
    const page = await start({
      ollama: { tokens: ['# Title\n\n', '```js\nconsole.log(1)\n```\n', '[link](https://example.com)'] },
    });
    await send(page, 'Everything');
    await expect.poll(() => answers(page).first().textContent()).toContain('console.log(1)');
    await page.reload();
    await page.getByRole('link', { name: 'Everything' }).waitFor();
    await expect.poll(() => answers(page).first().textContent()).toContain('console.log(1)');
    const foreign = (opened?.requests ?? []).filter((url) => !url.startsWith(`${app.url}/`));
    expect(foreign).toEqual([]);
    expect(opened?.requests.some((url) => url.includes('/assets/'))).toBe(true);
    expect(opened?.errors).toEqual([]);
    expect(opened?.failed).toEqual([]);
  });

  it('fits a 375 px wide phone screen without horizontal scrolling, conversations behind a button', async () => {
    const longWord = 'x'.repeat(300);
    const page = await start(
      { ollama: { tokens: [`A long word: ${longWord}\n\n`, '```\n', `${'y'.repeat(200)}\n`, '```\n'] } },
      { width: 375, height: 740 },
    );
    await send(page, `A long question ${longWord}`);
    await expect.poll(() => answers(page).first().textContent()).toContain('yyyy');
    const widths = () =>
      page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    let { scroll, client } = await widths();
    expect(client).toBe(375);
    expect(scroll).toBeLessThanOrEqual(client);
    await screenshot(page, 'phone-chat');
    expect(await page.getByRole('link', { name: /^A long question/ }).isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Conversations' }).click();
    await page.getByRole('link', { name: /^A long question/ }).waitFor({ state: 'visible' });
    ({ scroll, client } = await widths());
    expect(scroll).toBeLessThanOrEqual(client);
    await screenshot(page, 'phone-sidebar');
  });
});
