import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  createAccount,
  launchBrowser,
  newContext,
  signInThroughUi,
  skipReason,
  startUiServer,
  type UiServer,
} from './support.ts';

const LAPTOP_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:135.0) Gecko/20100101 Firefox/135.0';
const PHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Mobile/15E148 Safari/604.1';

describe('browser: my sessions', { skip: skipReason, timeout: 120_000 }, () => {
  let ui: UiServer;
  let browser: Browser;
  before(async () => {
    ui = await startUiServer();
    browser = await launchBrowser();
    await createAccount(ui, 'devices@example.com');
  });
  after(async () => {
    await browser?.close();
    await ui?.close();
  });

  it('signing out a device from another browser signs it out at its next action', async () => {
    const laptop = await newContext(browser, { userAgent: LAPTOP_UA });
    const phone = await newContext(browser, { userAgent: PHONE_UA });
    const laptopPage = await laptop.newPage();
    const phonePage = await phone.newPage();
    await signInThroughUi(laptopPage, ui, 'devices@example.com');
    await laptopPage.goto(`${ui.origin}/sessions`);
    await laptopPage.getByRole('heading', { name: 'My sessions' }).waitFor();

    await signInThroughUi(phonePage, ui, 'devices@example.com');
    await phonePage.goto(`${ui.origin}/sessions`);
    const cards = phonePage
      .getByRole('listitem')
      .filter({ has: phonePage.getByRole('heading', { level: 3 }) });
    await cards.nth(1).waitFor();
    assert.equal(await cards.count(), 2);
    const current = cards.filter({ hasText: 'This device' });
    assert.equal(await current.getByRole('heading').textContent(), 'Safari on iOS This device');
    const other = cards.filter({ hasText: 'Firefox on Windows' });
    assert.match((await other.textContent()) ?? '', /127\.0\.0\.1|::1/, 'the IP address is shown');
    assert.match((await other.textContent()) ?? '', /Last seen/);

    await other.getByRole('button', { name: 'Sign out' }).click();
    await phonePage
      .getByRole('status')
      .filter({ hasText: 'Signed out Firefox on Windows.' })
      .first()
      .waitFor();
    assert.equal(await cards.count(), 1, 'one session left');

    // The laptop's page still shows its list; its next request finds the session gone.
    await laptopPage.getByRole('button', { name: 'Refresh' }).click();
    await laptopPage.getByRole('heading', { name: 'Sign in to Gatehouse' }).waitFor();
    await laptopPage.getByText('Your session has ended').first().waitFor();
    const laptopCookies = await laptop.cookies();
    assert.equal(
      laptopCookies.find((cookie) => cookie.name === '__Host-gh_session'),
      undefined,
      'its cookie was cleared',
    );

    await laptop.close();
    await phone.close();
  });

  it('signing out the current device from the list signs this page out', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await signInThroughUi(page, ui, 'devices@example.com');
    await page.goto(`${ui.origin}/sessions`);
    const current = page.getByRole('listitem').filter({ hasText: 'This device' });
    await current.getByRole('button', { name: 'Sign out this device' }).click();
    await page.getByRole('heading', { name: 'Sign in to Gatehouse' }).waitFor();
    await page.getByText('You signed out this device.').first().waitFor();
    await page.goto(`${ui.origin}/sessions`);
    await page.getByText('Sign in to see my sessions.').waitFor();
    await context.close();
  });
});
