/**
 * Debian's Chromium driven by playwright-core (no browser download: `apt-get install chromium`, as
 * .ci/run does). Each test gets a fresh context; screenshots of the main screens go to test-results/
 * (not committed) so a person can look at them.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';
export const chromiumMissing = !existsSync(chromiumPath);
export const screenshotFolder = fileURLToPath(new URL('../../test-results/', import.meta.url));

export interface BrowserSession {
  browser: Browser;
  close(): Promise<void>;
}

/** A fresh profile each run: playwright-core's launch() makes a temporary one itself (it refuses --user-data-dir). */
export async function launchChromium(): Promise<BrowserSession> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  await mkdir(screenshotFolder, { recursive: true });
  return {
    browser,
    close: () => browser.close(),
  };
}

export interface AppPage {
  context: BrowserContext;
  page: Page;
  /** Every URL the page requested, in order. */
  requests: string[];
  /** Console errors and uncaught page errors (CSP violations show up here); failed loads are in `failed`. */
  errors: string[];
  /** Responses with a status of 400 or more, as `STATUS path`. */
  failed: string[];
  /** Dialogs the page opened (an XSS `alert()` would land here). */
  dialogs: string[];
}

export async function openApp(session: BrowserSession, url: string, viewport = { width: 1280, height: 800 }): Promise<AppPage> {
  const context = await session.browser.newContext({ viewport, colorScheme: 'light' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const opened: AppPage = { context, page, requests: [], errors: [], failed: [], dialogs: [] };
  page.on('request', (request) => opened.requests.push(request.url()));
  page.on('response', (response) => {
    if (response.status() >= 400) opened.failed.push(`${String(response.status())} ${new URL(response.url()).pathname}`);
  });
  page.on('console', (message) => {
    // Chromium logs every failed load too, without its URL: those are in `failed`.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) opened.errors.push(message.text());
  });
  page.on('pageerror', (error) => opened.errors.push(error.message));
  page.on('dialog', (dialog) => {
    opened.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(url);
  return opened;
}

export const screenshot = (page: Page, name: string) => page.screenshot({ path: join(screenshotFolder, `${name}.png`) });
