import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { ensureClientBuilt } from './client-support.ts';
import {
  createAccount,
  launchBrowser,
  newContext,
  recordConsole,
  signInThroughUi,
  skipReason,
  startUiServer,
  type UiServer,
} from './support.ts';

describe('browser: the web UI on the hybrid (GATEHOUSE_UI_STRATEGY=hybrid)', {
  skip: skipReason,
  timeout: 120_000,
}, () => {
  let ui: UiServer;
  let browser: Browser;
  let userId: string;
  before(async () => {
    ensureClientBuilt();
    ui = await startUiServer(['--ui-strategy', 'hybrid']);
    browser = await launchBrowser();
    userId = await createAccount(ui, 'hybrid-ui@example.com');
  });
  after(async () => {
    await browser?.close();
    await ui?.close();
  });

  it('signs in through @gatehouse/client: a refresh cookie, no session cookie, under the strict CSP', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const messages = recordConsole(page);
    await signInThroughUi(page, ui, 'hybrid-ui@example.com');
    const cookies = await context.cookies();
    assert.deepEqual(
      cookies.map((cookie) => [cookie.name, cookie.httpOnly, cookie.path]),
      [['__Secure-gh_refresh', true, '/auth/refresh']],
    );
    const sessions = await ui.server.store.sessions.listForUser(userId, Date.now());
    assert.deepEqual(
      sessions.map((session) => session.strategy),
      ['hybrid'],
    );
    const settings = await page.evaluate(async () => (await fetch('/ui/settings.js')).text());
    assert.match(settings, /'hybrid'/);

    // A reload holds nothing in memory: the client resumes with the refresh cookie.
    await page.goto(`${ui.origin}/sessions`);
    await page.getByRole('heading', { name: 'My sessions' }).waitFor();
    await page.getByText('This device').first().waitFor();
    assert.deepEqual(
      messages.filter((message) => /Content Security Policy|pageerror/i.test(message)),
      [],
    );
    await context.close();
  });

  it('signing out in one tab signs the other tab out', async () => {
    const context = await newContext(browser);
    const first = await context.newPage();
    await signInThroughUi(first, ui, 'hybrid-ui@example.com');
    const second = await context.newPage();
    await second.goto(`${ui.origin}/`);
    await second.getByRole('heading', { name: 'Your account' }).waitFor();

    await first.locator('#account').getByRole('button', { name: 'Sign out' }).click();
    await first.getByRole('heading', { name: 'Sign in to Gatehouse' }).waitFor();
    await second.getByRole('heading', { name: 'Sign in to Gatehouse' }).waitFor({ timeout: 2000 });
    await second.getByText('You signed out (in another tab).').first().waitFor();
    assert.deepEqual(await context.cookies(), []);
    await context.close();
  });
});
