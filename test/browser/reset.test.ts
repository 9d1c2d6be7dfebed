import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  createAccount,
  launchBrowser,
  newContext,
  PASSWORD,
  signInThroughUi,
  skipReason,
  startUiServer,
  type UiServer,
} from './support.ts';

const NEW_PASSWORD = 'a brand new passphrase here';

/** The reset link mailed to `to`, waiting (bounded) for the mail to leave. */
async function mailedLink(ui: UiServer, to: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const message = ui.server.outbox?.messages().find((candidate) => candidate.to === to);
    const link = message && /https?:\/\/\S+#token=\S+/.exec(message.text)?.[0];
    if (link) return link;
    if (Date.now() > deadline) throw new Error(`no reset mail to ${to}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('browser: forgot password', { skip: skipReason, timeout: 120_000 }, () => {
  let ui: UiServer;
  let browser: Browser;
  before(async () => {
    ui = await startUiServer(['--mailer', 'outbox']);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await ui?.close();
  });

  it('requests a link from the sign-in page, opens the mailed link, sets a new password and signs in with it', async () => {
    const email = 'forgetful@example.com';
    await createAccount(ui, email);
    const elsewhere = await (await newContext(browser)).newPage();
    await signInThroughUi(elsewhere, ui, email);

    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${ui.origin}/`);
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await page.getByRole('heading', { name: 'Forgot your password?' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/reset');
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.locator('form').getByText('If an active account uses this email').waitFor();

    const link = await mailedLink(ui, email);
    assert.ok(link.startsWith(`${ui.origin}/reset#token=`), link);
    await page.goto(link);
    await page.getByRole('heading', { name: 'Set a new password' }).waitFor();
    assert.equal(page.url(), `${ui.origin}/reset`, 'the token is taken out of the address bar');
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByRole('heading', { name: 'Password changed' }).waitFor();

    // The other device was signed out by the reset.
    await elsewhere.reload();
    await elsewhere.getByRole('heading', { name: 'Sign in to Gatehouse' }).waitFor();
    await elsewhere.context().close();

    await page.locator('#main').getByRole('link', { name: 'Sign in' }).click();
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'Sign in', exact: true }) });
    await form.getByLabel('Email').fill(email);
    await form.getByLabel('Password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await form.getByRole('alert').filter({ hasText: 'do not match an active account' }).waitFor();
    await signInThroughUi(page, ui, email, NEW_PASSWORD);

    // The link works once.
    const again = await (await newContext(browser)).newPage();
    await again.goto(link);
    await again.getByLabel('New password', { exact: true }).fill('yet another passphrase');
    await again.getByRole('button', { name: 'Set the new password' }).click();
    await again.getByRole('heading', { name: 'This link no longer works' }).waitFor();
    await again.getByRole('link', { name: 'Request a new link' }).waitFor();
    await again.context().close();
    await context.close();
  });
});
