/**
 * @gatehouse/client across tabs, in real Chromium: several pages of one browser context share one
 * refresh cookie, exactly like the tabs of a user's browser.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  type CountingServer,
  installHarness,
  openTab,
  startCountingServer,
  waitInPage,
} from './client-support.ts';
import { createAccount, launchBrowser, newContext, PASSWORD, skipReason } from './support.ts';
import { REFRESH_COOKIE_NAME, replayRefreshCookie } from './client-replay.ts';

const TABS = 5;

/** Signs in in the first tab, then opens the others: they learn the session from the first one. */
async function fiveSignedInTabs(
  context: BrowserContext,
  server: CountingServer,
  email: string,
): Promise<Page[]> {
  const first = await openTab(context, server.origin);
  assert.equal(first.user, null, 'a fresh browser starts signed out');
  assert.equal(
    await first.page.evaluate(([e, p]) => window.harness.signIn(e!, p!), [email, PASSWORD]),
    email,
  );
  const pages = [first.page];
  for (let index = 1; index < TABS; index++) {
    const tab = await openTab(context, server.origin);
    assert.equal(tab.user, email, `tab ${index + 1} is signed in from the others`);
    pages.push(tab.page);
  }
  return pages;
}

const tokensOf = (pages: Page[]) =>
  Promise.all(pages.map((page) => page.evaluate(() => window.harness.token())));

describe('browser: @gatehouse/client across five tabs', { skip: skipReason, timeout: 180_000 }, () => {
  let server: CountingServer;
  let browser: Browser;
  before(async () => {
    server = await startCountingServer();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const locks of ['Web Locks', 'no Web Locks (fallback)'] as const) {
    it(`five tabs whose tokens expire together make exactly one refresh, and all continue (${locks})`, async () => {
      const email = `five-${locks === 'Web Locks' ? 'locks' : 'fallback'}@example.com`;
      await createAccount(server, email);
      const context = await newContext(browser);
      if (locks !== 'Web Locks')
        await context.addInitScript(() => {
          Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });
        });
      await installHarness(context, server.origin);
      server.resetCounts();
      const pages = await fiveSignedInTabs(context, server, email);
      assert.equal(server.refreshes(), 0, 'opening tabs costs no refresh: they ask the open ones');
      if (locks !== 'Web Locks')
        assert.equal(await pages[0]!.evaluate(() => 'locks' in navigator && navigator.locks), undefined);

      const [before] = await tokensOf(pages);
      assert.ok(before);
      assert.deepEqual(
        await tokensOf(pages),
        Array(TABS).fill(before),
        'one token, one expiry, in every tab',
      );

      // 30 s tokens are refreshed 15 s before expiry: every tab's timer fires at the same moment.
      const deadline = Date.now() + 25_000;
      while ((await tokensOf(pages)).includes(before)) {
        assert.ok(Date.now() < deadline, 'every tab got a new token within 25 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // Give any straggler the time to show itself.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(server.refreshes(), 1, 'exactly one refresh request reached the server');
      const after = await tokensOf(pages);
      assert.notEqual(after[0], before);
      assert.deepEqual(after, Array(TABS).fill(after[0]), 'every tab holds the one new token');
      for (const page of pages) {
        const me = await page.evaluate((url) => window.harness.fetch(url), `${server.origin}/auth/me`);
        assert.equal(me.status, 200, me.body);
        assert.equal(JSON.parse(me.body).user.email, email);
        assert.deepEqual(await page.evaluate(() => window.harness.events), [], 'nobody was signed out');
      }
      await context.close();
    });
  }

  it('sign-out in one tab signs out the other four within 1 s', async () => {
    const email = 'signout@example.com';
    await createAccount(server, email);
    const context = await newContext(browser);
    await installHarness(context, server.origin);
    const pages = await fiveSignedInTabs(context, server, email);
    const others = pages.filter((_, index) => index !== 2);
    const started = Date.now();
    await pages[2]!.evaluate(() => window.harness.signOut());
    await Promise.all(others.map((page) => waitInPage(page, () => window.harness.user() === null, 1000)));
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 1000 + 500, `every tab signed out ${elapsed} ms after the click`);
    for (const page of pages) {
      assert.deepEqual(await page.evaluate(() => window.harness.events), ['signed_out']);
      assert.equal(await page.evaluate(() => window.harness.token()), null);
    }
    assert.equal(
      (await context.cookies()).find((cookie) => cookie.name === REFRESH_COOKIE_NAME),
      undefined,
      'the refresh cookie is gone',
    );
    // The session is over on the server too: a new tab does not come back signed in, and finding
    // nothing to resume is no sign-out event, there or in the tabs that were already told.
    const late = await openTab(context, server.origin);
    assert.equal(late.user, null);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(await late.page.evaluate(() => window.harness.events), []);
    for (const page of pages)
      assert.deepEqual(await page.evaluate(() => window.harness.events), ['signed_out']);
    await context.close();
  });

  it('a refresh token replayed from outside after the grace window ends every tab, one event each', async () => {
    const email = 'reuse@example.com';
    await createAccount(server, email);
    const context = await newContext(browser);
    await installHarness(context, server.origin);
    const first = await openTab(context, server.origin);
    await first.page.evaluate(([e, p]) => window.harness.signIn(e!, p!), [email, PASSWORD]);
    const stolen = (await context.cookies()).find((cookie) => cookie.name === REFRESH_COOKIE_NAME);
    assert.ok(stolen?.httpOnly, 'the refresh cookie is HttpOnly');
    // A reload holds nothing in memory and no other tab is open: it resumes with one refresh,
    // which spends the stolen token. A second reload spends its successor: only once the successor
    // has been used is a replay of the stolen token reuse (an unused successor is handed out
    // again, so a reply lost to a crash never signs anyone out).
    server.resetCounts();
    await first.page.reload();
    assert.equal(await first.page.evaluate(() => window.harness.ready), email);
    assert.equal(server.refreshes(), 1, 'the reload resumed the session with one refresh');
    await first.page.reload();
    assert.equal(await first.page.evaluate(() => window.harness.ready), email);
    assert.equal(server.refreshes(), 2, 'the second reload spent the successor');
    const pages = [first.page];
    for (let index = 1; index < TABS; index++) pages.push((await openTab(context, server.origin)).page);

    await new Promise((resolve) => setTimeout(resolve, 1500)); // past the 1 s grace window
    const replay = await replayRefreshCookie(server.server.url, stolen.value, server.origin);
    assert.equal(replay.status, 400, 'the replay is refused as reuse');

    // Every tab makes its next API call at once: the server refuses the token (the session was
    // revoked), one tab's refresh finds the family dead, and all five end signed out.
    server.resetCounts();
    const answers = await Promise.all(
      pages.map((page) => page.evaluate((url) => window.harness.fetch(url), `${server.origin}/auth/me`)),
    );
    assert.deepEqual(
      answers.map((answer) => answer.status),
      Array(TABS).fill(401),
    );
    await Promise.all(pages.map((page) => waitInPage(page, () => window.harness.user() === null)));
    await new Promise((resolve) => setTimeout(resolve, 300)); // a duplicate event would show by now
    for (const page of pages)
      assert.deepEqual(
        await page.evaluate(() => window.harness.events),
        ['session_ended'],
        'one event per tab',
      );
    assert.equal(server.refreshes(), 1, 'one tab asked; the others heard its answer');
    assert.equal(
      (await context.cookies()).find((cookie) => cookie.name === REFRESH_COOKIE_NAME),
      undefined,
      'the dead cookie was cleared',
    );
    await context.close();
  });
});
