/**
 * Issue 15, items 11-14: hostile values planted where a user will see them, and what they see.
 * Nothing here is about script running (csp.test.ts covers that): it is about the page never
 * misleading. Each value goes in by the route an attacker has (a pasted token, a request header)
 * or, where the server now refuses it at the door (look-alike emails), straight into the store,
 * as an account registered before the fix would be.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
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

const ADMIN = 'admin@example.com';

/** A JWT whose payload is exactly `payloadJson` (raw JSON text: `1e400` survives as written). */
function tokenWithPayload(payloadJson: string): string {
  const part = (text: string) => Buffer.from(text).toString('base64url');
  return `${part('{"alg":"ES256","typ":"at+jwt","kid":"k1"}')}.${part(payloadJson)}.${'A'.repeat(86)}`;
}

/** Stores an account directly, as one registered before registration refused its email. */
async function plantUser(ui: UiServer, email: string): Promise<void> {
  const model = await ui.server.store.users.getByEmail(ADMIN);
  assert.ok(model);
  const now = Date.now();
  const created = await ui.server.store.users.create({
    ...model,
    id: randomBytes(16).toString('base64url'),
    email,
    roles: [],
    createdAt: now,
    updatedAt: now,
    passwordChangedAt: now,
  });
  assert.ok(created, email);
}

describe('browser: hostile values (issue 15, items 11-14)', { skip: skipReason, timeout: 180_000 }, () => {
  let ui: UiServer;
  let browser: Browser;
  before(async () => {
    // Item 13 needs a trusted proxy: the browser's connection (127.0.0.1) plays it.
    ui = await startUiServer(['--trust-proxy', '127.0.0.1']);
    await createAccount(ui, ADMIN, ['admin']);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await ui?.close();
  });

  async function adminPage(): Promise<Page> {
    const page = await (await newContext(browser)).newPage();
    await signInThroughUi(page, ui, ADMIN);
    return page;
  }

  it('11: the JWT decoder shows an error and clears the tables for an out-of-range time claim', async () => {
    const page = await (await newContext(browser)).newPage();
    await page.goto(`${ui.origin}/tools`);
    const box = page.getByRole('textbox', { name: 'Token' });
    const exp = Math.floor(Date.now() / 1000) + 600;
    await box.fill(tokenWithPayload(`{"sub":"the-first-token","exp":${exp}}`));
    const claims = page.getByRole('table', { name: 'Claims' });
    await claims.getByText('the-first-token').waitFor();
    for (const [bad, shown] of [
      ['1e400', /"exp" is not a number of seconds/],
      ['8640000000001', /"exp" \(8640000000001\) is not a date/],
      ['"tomorrow"', /"exp" is not a number of seconds/],
    ] as const) {
      await box.fill(tokenWithPayload(`{"sub":"the-second-token","exp":${bad}}`));
      await page.locator('#jwt-summary').getByRole('alert').filter({ hasText: shown }).waitFor();
      assert.equal(await page.getByRole('table').count(), 0, `${bad}: no table is left on the page`);
      assert.equal(await page.getByText('the-first-token').count(), 0, `${bad}: nothing of the old token`);
      await page.getByRole('button', { name: 'Verify with this key' }).click();
      await page.locator('#jwt-verify-result').getByText('Decode a token first.').waitFor();
    }
    await page.context().close();
  });

  it('12: a decoded iss/sub with bidi overrides and zero-width characters shows them, isolated', async () => {
    const page = await (await newContext(browser)).newPage();
    await page.goto(`${ui.origin}/tools`);
    const exp = Math.floor(Date.now() / 1000) + 600;
    await page.getByRole('textbox', { name: 'Token' }).fill(
      tokenWithPayload(
        JSON.stringify({
          iss: 'https://evil.example\u202E/moc.elpmaxe.di//:sptth',
          sub: 'admin\u200B',
          exp,
        }),
      ),
    );
    const claims = page.getByRole('table', { name: 'Claims' });
    const iss = claims.locator('tr[data-name="iss"] td').first();
    await iss.waitFor();
    assert.equal(await iss.innerText(), 'https://evil.example⟨U+202E⟩/moc.elpmaxe.di//:sptth');
    assert.equal(await iss.locator('bdi[dir="auto"]').count(), 1, 'its direction is isolated');
    assert.equal(await claims.locator('tr[data-name="sub"] td').first().innerText(), 'admin⟨U+200B⟩');
    await page.context().close();
  });

  it('12: look-alike accounts show as what they are in the admin list, and a suspend notice is not scrambled', async () => {
    const lookAlikes = [
      ['admin@example.com\u202E', 'admin@example.com⟨U+202E⟩'],
      ['ad\u200Bmin@example.com', 'ad⟨U+200B⟩min@example.com'],
      ['admin\u200D@example.com', 'admin⟨U+200D⟩@example.com'],
      ['\u2067admin@example.com', '⟨U+2067⟩admin@example.com'],
    ] as const;
    for (const [email] of lookAlikes) await plantUser(ui, email);
    const page = await adminPage();
    await page.goto(`${ui.origin}/admin`);
    await page.getByRole('searchbox', { name: 'Search by email' }).fill('example.com');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const users = page.getByRole('table', { name: 'Users' });
    await users.getByRole('cell', { name: lookAlikes[0][1] }).waitFor();
    const emails = await users.locator('td.email').allInnerTexts();
    for (const [, shown] of lookAlikes)
      assert.ok(emails.includes(shown), `${shown} in ${emails.join(' | ')}`);
    assert.equal(emails.filter((text) => text === ADMIN).length, 1, 'only one row reads admin@example.com');
    assert.equal(await users.locator('td.email bdi[dir="auto"]').count(), emails.length);

    // The admin's own row offers no Suspend; a look-alike's asks before acting.
    const own = users.getByRole('row').filter({ has: page.getByRole('cell', { name: ADMIN, exact: true }) });
    assert.equal(await own.getByRole('button', { name: /Suspend/ }).count(), 0);
    await own.getByText('you', { exact: true }).waitFor();
    await page.getByRole('button', { name: `Suspend ${lookAlikes[0][1]}` }).click();
    await page.getByRole('button', { name: 'Suspend now' }).click();
    const notice = page.getByRole('status').filter({ hasText: 'is suspended.' });
    assert.equal(await notice.innerText(), `${lookAlikes[0][1]} is suspended.`);
    assert.equal(await notice.locator('bdi[dir="auto"]').count(), 1);
    assert.equal(
      (await ui.server.store.users.getByEmail(ADMIN))?.status,
      'active',
      'the real admin is untouched',
    );

    // A new look-alike cannot be made any more (the page's email field would not even send one).
    const refused = await fetch(`${ui.server.url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@example.com\u200B', password: PASSWORD }),
    });
    assert.equal(refused.status, 400);
    assert.deepEqual(await refused.json(), { error: 'invalid_email' });
    await page.context().close();
  });

  it('13: a forged X-Forwarded-For shows as the proxy-given address, never the forged text', async () => {
    await createAccount(ui, 'forwarded@example.com');
    for (const [header, shown] of [
      ['attacker-text, 198.51.100.9', '198.51.100.9'],
      ['9'.repeat(8000), '127.0.0.1'],
    ] as const) {
      const context = await newContext(browser);
      await context.setExtraHTTPHeaders({ 'x-forwarded-for': header });
      const page = await context.newPage();
      await signInThroughUi(page, ui, 'forwarded@example.com');
      await page.goto(`${ui.origin}/sessions`);
      const current = page.locator('.session-current');
      await current.waitFor();
      const ip = current.locator('dt', { hasText: 'IP address' }).locator('xpath=following-sibling::dd[1]');
      assert.equal(await ip.innerText(), shown);
      await context.close();
    }
    const user = await ui.server.store.users.getByEmail('forwarded@example.com');
    const events = await ui.server.store.audit.query({ userId: user!.id, type: 'login.success', limit: 10 });
    assert.deepEqual(events.map((event) => event.ip).sort(), ['127.0.0.1', '198.51.100.9']);
  });

  it('14: the admin list says how many match and pages past 50 to the real admin', async () => {
    for (let index = 0; index < 55; index++)
      await plantUser(ui, `aaa-${String(index).padStart(2, '0')}@example.com`);
    const total = await ui.server.store.users.count({});
    const page = await adminPage();
    await page.goto(`${ui.origin}/admin`);
    const count = page.locator('.user-count');
    await count.getByText(`${total} users; showing 1–50.`).waitFor();
    const users = page.getByRole('table', { name: 'Users' });
    assert.equal(await users.getByRole('cell', { name: ADMIN, exact: true }).count(), 0, 'not on page one');
    await page.getByRole('button', { name: 'Next page' }).click();
    await count.getByText(`${total} users; showing 51–${total}.`).waitFor();
    await users.getByRole('cell', { name: ADMIN, exact: true }).waitFor();
    await page.getByRole('button', { name: 'Previous page' }).click();
    await count.getByText(`${total} users; showing 1–50.`).waitFor();
    await page.getByRole('searchbox', { name: 'Search by email' }).fill('aaa-');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await count.getByText('55 users match; showing 1–50.').waitFor();
    await page.context().close();
  });
});
