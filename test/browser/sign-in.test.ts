/**
 * The web app's sign-in with auth on, in Chromium against the real server: register, the HttpOnly
 * session cookie (no token where scripts can read it), a chat as that user, sign out; and the errors a
 * sign-in shows. Names from API.md § "Web app and clients" (textboxes "Email" and "Password", buttons
 * "Sign in" and "Register").
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { chromiumMissing, launchChromium, openApp, screenshot, type AppPage, type BrowserSession } from './browser.ts';

describe.skipIf(chromiumMissing)('signing in to the chat web app in Chromium', { timeout: 45_000 }, () => {
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

  const start = async (env: Record<string, string>) => {
    app = await startTestApp({ ollama: { tokens: ['Hello', ' you'] }, env: { AUTH_REQUIRED: 'true', ...env } });
    if (session === undefined) throw new Error('Chromium did not start');
    opened = await openApp(session, `${app.url}/`);
    await opened.page.getByRole('button', { name: 'Sign in' }).waitFor();
    return opened.page;
  };
  const fillIn = async (page: Page, email: string, password: string) => {
    await page.getByRole('textbox', { name: 'Email' }).fill(email);
    // A password field has no ARIA role: it is found by its label.
    await page.getByLabel('Password').fill(password);
  };

  it('registers, signs in with the HttpOnly session cookie, chats as that user, and signs out', async () => {
    const page = await start({ AUTH_ALLOW_REGISTRATION: 'true' });
    await screenshot(page, 'sign-in');
    expect(await page.getByRole('textbox', { name: 'Message' }).count()).toBe(0);
    await fillIn(page, 'ada@example.com', 'correct horse battery');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByRole('textbox', { name: 'Message' }).waitFor();

    await page.getByRole('textbox', { name: 'Message' }).fill('Who am I?');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.getByRole('article', { name: 'Answer' }).first().textContent()).toContain('Hello you');

    // The session is the HttpOnly cookie: nothing in script-readable storage, nothing in document.cookie.
    const storage = await page.evaluate(() => ({
      cookie: document.cookie,
      local: Object.keys(localStorage),
      session: Object.keys(sessionStorage),
    }));
    expect(storage).toEqual({ cookie: '', local: [], session: [] });
    const cookies = await page.context().cookies();
    expect(cookies.find((cookie) => cookie.name === 'session')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

    const [user] = await app.query<{ id: string }>("select id from users where email = 'ada@example.com'");
    const owners = await app.query<{ owner_id: string }>('select owner_id from conversations');
    expect(owners).toEqual([{ owner_id: user?.id }]);
    expect((await app.fetch('/api/history')).status).toBe(401);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate(async () => (await fetch('/api/auth/me')).status)).toBe(401);

    await fillIn(page, 'ada@example.com', 'correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Who am I?' }).waitFor();
  });

  it('says so in an alert when the password is wrong, and when registration is off', async () => {
    const page = await start({});
    await fillIn(page, 'nobody@example.com', 'not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Wrong email or password.');
    await page.getByRole('button', { name: 'Register' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Registration is turned off on this server.');
    await screenshot(page, 'sign-in-error');
    expect(await app.query('select id from users where email = ?', ['nobody@example.com'])).toEqual([]);
  });
});
