import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  launchBrowser,
  newContext,
  PASSWORD,
  signInThroughUi,
  skipReason,
  startUiServer,
  type UiServer,
} from './support.ts';

describe('browser: sign-in', { skip: skipReason, timeout: 120_000 }, () => {
  let ui: UiServer;
  let browser: Browser;
  before(async () => {
    ui = await startUiServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await ui?.close();
  });

  it('registers, is refused with a wrong password, signs in, and signs out', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${ui.origin}/`);
    await page.getByRole('heading', { name: 'Sign in to Gatehouse' }).waitFor();

    const registerForm = page.locator('form', {
      has: page.getByRole('heading', { name: 'Create an account' }),
    });
    await registerForm.getByLabel('Email').fill('ui-user@example.com');
    await registerForm.getByLabel('Password').fill(PASSWORD);
    await registerForm.getByRole('button', { name: 'Create account' }).click();
    await registerForm.getByText('If this email was new, the account exists now').waitFor();

    const signInForm = page.locator('form', {
      has: page.getByRole('heading', { name: 'Sign in', exact: true }),
    });
    assert.equal(
      await signInForm.getByLabel('Email').inputValue(),
      'ui-user@example.com',
      'the email is carried over',
    );
    await signInForm.getByLabel('Password').fill('not the right password');
    await signInForm.getByRole('button', { name: 'Sign in' }).click();
    await signInForm.getByRole('alert').filter({ hasText: 'do not match an active account' }).waitFor();

    await signInForm.getByLabel('Password').fill(PASSWORD);
    await signInForm.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    assert.equal(await page.locator('.signed-in-email').textContent(), 'ui-user@example.com');
    assert.equal(
      await page.evaluate(() => document.activeElement?.textContent),
      'Your account',
      'focus moves to the new page heading',
    );

    // The session cookie is HttpOnly: the page's script cannot read it.
    assert.equal(await page.evaluate(() => document.cookie), '');
    const cookies = await context.cookies();
    const session = cookies.find((cookie) => cookie.name === '__Host-gh_session');
    assert.ok(session?.httpOnly && session.secure, 'HttpOnly, Secure session cookie');

    await page.reload();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Gatehouse' }).waitFor();
    await page.getByText('You are signed out.').first().waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to Gatehouse' }).waitFor();
    await context.close();
  });

  it('signs in with the keyboard alone', async () => {
    await signInWithKeyboard();
  });

  async function signInWithKeyboard() {
    const context = await newContext(browser);
    const page = await context.newPage();
    const response = await fetch(`${ui.server.url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'keys@example.com', password: PASSWORD }),
    });
    assert.equal(response.status, 202);
    await page.goto(`${ui.origin}/`);
    await page.getByRole('heading', { name: 'Sign in to Gatehouse' }).waitFor();
    // Skip link first, then the header links, then the form.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    // Tab on through the header until the first form field.
    for (let presses = 0; presses < 15; presses++) {
      if (await page.evaluate(() => document.activeElement?.getAttribute('name') === 'email')) break;
      await page.keyboard.press('Tab');
    }
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'email');
    assert.equal(
      await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle),
      'solid',
      'the focused field shows a focus ring',
    );
    await page.keyboard.type('keys@example.com');
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    await context.close();
  }

  it('the sessions page asks a signed-out visitor to sign in, then shows the sessions', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${ui.origin}/sessions`);
    await page.getByText('Sign in to see my sessions.').waitFor();
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'Sign in', exact: true }) });
    await form.getByLabel('Email').fill('keys@example.com');
    await form.getByLabel('Password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'My sessions' }).waitFor();
    await context.close();
    // The helper the other tests use works from any state.
    const again = await (await newContext(browser)).newPage();
    await signInThroughUi(again, ui, 'keys@example.com');
    await again.context().close();
  });
});
