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

describe('browser: admin', { skip: skipReason, timeout: 120_000 }, () => {
  let ui: UiServer;
  let browser: Browser;
  before(async () => {
    ui = await startUiServer();
    browser = await launchBrowser();
    await createAccount(ui, 'admin@example.com', ['admin']);
    await createAccount(ui, 'mallory@example.com');
  });
  after(async () => {
    await browser?.close();
    await ui?.close();
  });

  it('an admin suspends a user, who is signed out at the next action and refused at sign-in', async () => {
    const userContext = await newContext(browser);
    const userPage = await userContext.newPage();
    await signInThroughUi(userPage, ui, 'mallory@example.com');
    await userPage.goto(`${ui.origin}/sessions`);
    await userPage.getByRole('heading', { name: 'My sessions' }).waitFor();

    const adminContext = await newContext(browser);
    const adminPage = await adminContext.newPage();
    await signInThroughUi(adminPage, ui, 'admin@example.com');
    await adminPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await adminPage.getByRole('heading', { name: 'Admin', level: 1 }).waitFor();
    await adminPage.getByRole('searchbox', { name: 'Search by email' }).fill('mallory');
    await adminPage.getByRole('button', { name: 'Search', exact: true }).click();
    const users = adminPage.getByRole('table', { name: 'Users' });
    // The search's own answer (the unfiltered first load also lists mallory).
    await adminPage
      .locator('.user-count')
      .filter({ hasText: /^1 user match\.$/ })
      .waitFor();
    await users.getByRole('cell', { name: 'mallory@example.com', exact: true }).waitFor();
    assert.equal(await users.getByRole('row').count(), 2, 'header and one match');

    await adminPage.getByRole('button', { name: 'Sessions of mallory@example.com' }).click();
    await adminPage.getByRole('heading', { name: 'Sessions of mallory@example.com' }).waitFor();

    await adminPage.getByRole('button', { name: 'Suspend mallory@example.com' }).click();
    // One click only asks: nothing is suspended until the confirming button.
    assert.equal((await ui.server.store.users.getByEmail('mallory@example.com'))?.status, 'active');
    await adminPage.getByRole('button', { name: 'Suspend now' }).click();
    await adminPage.getByText('mallory@example.com is suspended.').waitFor();
    await adminPage.getByRole('button', { name: 'Unsuspend mallory@example.com' }).waitFor();

    await userPage.getByRole('button', { name: 'Refresh' }).click();
    await userPage.getByRole('heading', { name: 'Sign in to Gatehouse' }).waitFor();
    await userPage.getByText('Your session has ended').first().waitFor();
    const form = userPage.locator('form', {
      has: userPage.getByRole('heading', { name: 'Sign in', exact: true }),
    });
    await form.getByLabel('Email').fill('mallory@example.com');
    await form.getByLabel('Password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await form.getByRole('alert').filter({ hasText: 'do not match an active account' }).waitFor();

    // The audit log shows what happened, filtered to the user.
    await adminPage.getByRole('button', { name: 'Audit log of mallory@example.com' }).click();
    const audit = adminPage.getByRole('table', { name: 'Audit events, newest first' });
    await audit.getByRole('cell', { name: 'user.suspended' }).first().waitFor();

    await userContext.close();
    await adminContext.close();
  });

  it('the live chart draws recent outcomes as SVG, polling /admin/stats', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    for (let i = 0; i < 2; i++) {
      await fetch(`${ui.server.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@example.com', password: 'a wrong password here' }),
      });
    }
    await signInThroughUi(page, ui, 'admin@example.com');
    const polled = page.waitForResponse(
      (response) => response.url().endsWith('/admin/stats') && response.ok(),
    );
    await page.goto(`${ui.origin}/admin`);
    await polled;
    const chart = page.getByRole('img', { name: /Auth outcomes, last 10 minutes/ });
    await chart.waitFor();
    assert.equal(await chart.locator('polyline').count(), 5, 'one line per series');
    const failed = page
      .getByRole('list', { name: 'Totals over the chart’s window' })
      .getByText(/^Failed sign-ins: \d+$/);
    // Two here, plus the suspended user's attempt in the test before when run together.
    assert.ok(Number(((await failed.textContent()) ?? '').split(': ')[1]) >= 2);
    assert.match(
      (await page.locator('.active-sessions').textContent()) ?? '',
      /^\d+ cookie · 0 hybrid · 0 token$/,
    );

    const nextPoll = page.waitForResponse((response) => response.url().endsWith('/admin/stats'), {
      timeout: 8000,
    });
    await nextPoll;

    await page.getByRole('button', { name: 'Pause updates' }).click();
    assert.equal(
      await page.getByRole('button', { name: 'Resume updates' }).getAttribute('aria-pressed'),
      'true',
    );

    await page.getByRole('button', { name: 'Rotate now' }).click();
    await page.getByText(/^Rotated: .+ signs from now on\.$/).waitFor();
    // The notice appears before the table reloads: wait for the new row, then pin the count.
    const keyRows = page.getByRole('table', { name: 'Signing keys, newest first' }).getByRole('row');
    await keyRows.nth(2).waitFor();
    assert.equal(await keyRows.count(), 3);
    await context.close();
  });

  it('an admin pages through users, signs out all sessions of one, and revokes a key', async () => {
    const now = Date.now();
    for (let i = 0; i < 50; i++) {
      await ui.server.store.users.create({
        id: `paged-${i}`,
        email: `paged-${String(i).padStart(2, '0')}@example.com`,
        passwordHash: 'not a hash: never signs in',
        roles: [],
        status: 'active',
        createdAt: now,
        updatedAt: now,
        passwordChangedAt: 0,
      });
    }
    await createAccount(ui, 'walter@example.com');
    const userContext = await newContext(browser);
    await signInThroughUi(await userContext.newPage(), ui, 'walter@example.com');

    const context = await newContext(browser);
    const page = await context.newPage();
    await signInThroughUi(page, ui, 'admin@example.com');
    await page.goto(`${ui.origin}/admin`);
    const count = page.locator('.user-count');
    await count.filter({ hasText: /^\d+ users; showing 1–50\.$/ }).waitFor();
    await page.getByRole('button', { name: 'Next page' }).click();
    await count.filter({ hasText: /^\d+ users; showing 51–\d+\.$/ }).waitFor();
    await page.getByRole('button', { name: 'Previous page' }).click();
    await count.filter({ hasText: /^\d+ users; showing 1–50\.$/ }).waitFor();

    await page.getByRole('searchbox', { name: 'Search by email' }).fill('walter');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('button', { name: 'Sessions of walter@example.com' }).click();
    await page.getByRole('button', { name: 'Sign out all sessions of walter@example.com' }).click();
    await page.getByRole('button', { name: 'Sign out all their sessions now' }).click();
    await page.getByText('No live sessions.').waitFor();
    const walter = await ui.server.store.users.getByEmail('walter@example.com');
    assert.equal((await ui.server.store.sessions.listForUser(walter!.id, Date.now())).length, 0);

    await page.getByRole('button', { name: 'Rotate now' }).click();
    await page.getByText(/^Rotated: .+ signs from now on\.$/).waitFor();
    const keys = page.getByRole('table', { name: 'Signing keys, newest first' });
    await keys.getByRole('row').nth(2).waitFor();
    const rows = await keys.getByRole('row').count();
    const oldest = (await keys.getByRole('row').last().getByRole('cell').first().textContent()) ?? '';
    await page.getByRole('button', { name: `Revoke key ${oldest}` }).click();
    await page.getByRole('button', { name: `Revoke ${oldest} now` }).click();
    await page.getByText(`Key ${oldest} revoked: tokens it signed are refused.`).waitFor();
    await keys
      .getByRole('row')
      .nth(rows - 1)
      .waitFor({ state: 'detached' });
    await userContext.close();
    await context.close();
  });

  it('a user without the admin role is told so', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await createAccount(ui, 'plain@example.com');
    await signInThroughUi(page, ui, 'plain@example.com');
    assert.equal(
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).count(),
      0,
    );
    await page.goto(`${ui.origin}/admin`);
    await page.getByText('You need the admin role to see this page.').waitFor();
    await context.close();
  });
});
