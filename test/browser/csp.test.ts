import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
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

const EXPECTED_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const PAGES = ['/', '/sessions', '/admin', '/tools'];

/**
 * Polls `condition` every 20 ms until it holds; fails with `what` after `deadlineMs`. A loaded
 * machine makes the wait longer, never the test flaky, and a condition that never comes fails.
 */
async function eventually(
  condition: () => boolean | Promise<boolean>,
  what: string | (() => string),
  deadlineMs = 10_000,
) {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > deadlineMs)
      assert.fail(`not within ${deadlineMs} ms: ${typeof what === 'function' ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

declare global {
  interface Window {
    __violations: string[];
    __injected?: boolean;
  }
}

describe('browser: content security policy', { skip: skipReason, timeout: 120_000 }, () => {
  let ui: UiServer;
  let browser: Browser;
  before(async () => {
    ui = await startUiServer();
    browser = await launchBrowser();
    await createAccount(ui, 'csp-admin@example.com', ['admin']);
  });
  after(async () => {
    await browser?.close();
    await ui?.close();
  });

  it('every page and asset carries the strict CSP, and using the pages violates nothing', async () => {
    const context = await newContext(browser);
    await context.addInitScript(() => {
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (event) =>
        window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`),
      );
    });
    const page = await context.newPage();
    const messages = recordConsole(page);
    const assets = new Set<string>();
    page.on('response', (response) => {
      if (response.url().includes('/ui/')) assets.add(response.url());
    });
    await signInThroughUi(page, ui, 'csp-admin@example.com');
    for (const path of PAGES) {
      const response = await page.goto(`${ui.origin}${path}`, { waitUntil: 'networkidle' });
      assert.equal(response?.status(), 200, path);
      const headers = response!.headers();
      assert.equal(headers['content-security-policy'], EXPECTED_CSP, path);
      assert.equal(headers['x-frame-options'], 'DENY');
      assert.equal(headers['x-content-type-options'], 'nosniff');
      assert.match(headers['content-type'] ?? '', /^text\/html/);
      await page.locator('h1').first().waitFor();
      assert.deepEqual(await page.evaluate(() => window.__violations), [], `${path}: no violations`);
    }
    // Admin page: the chart and the tables render under the policy too.
    await page.goto(`${ui.origin}/admin`, { waitUntil: 'networkidle' });
    await page.getByRole('img', { name: /Auth outcomes/ }).waitFor();
    assert.deepEqual(await page.evaluate(() => window.__violations), []);

    assert.ok(assets.size >= 5, 'the modules were loaded from /ui/');
    for (const url of assets) {
      const response = await fetch(url.replace(ui.origin, ui.server.url));
      assert.equal(response.headers.get('content-security-policy'), EXPECTED_CSP, url);
      assert.match(response.headers.get('content-type') ?? '', /^(text\/javascript|text\/css)/);
    }
    const csp = messages.filter((message) => /Content Security Policy/i.test(message));
    assert.deepEqual(csp, [], 'no CSP messages in the console');
    await context.close();
  });

  it('the policy is live: injected inline script and style are refused', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const messages = recordConsole(page);
    await page.goto(`${ui.origin}/tools`, { waitUntil: 'networkidle' });
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__injected = true';
      document.body.append(script);
      const div = document.createElement('div');
      div.setAttribute('style', 'display: none');
      div.id = 'styled';
      document.body.append(div);
    });
    assert.equal(await page.evaluate(() => window.__injected), undefined, 'inline script did not run');
    assert.equal(
      await page.evaluate(() => getComputedStyle(document.getElementById('styled')!).display),
      'block',
    );
    await eventually(
      () => messages.some((message) => /Content Security Policy/.test(message)),
      'the browser reported it',
    );
    await context.close();
  });

  it('another page cannot frame the UI (frame-ancestors)', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const messages = recordConsole(page);
    await page.setContent(`<iframe title="framed" src="${ui.origin}/tools"></iframe>`);
    // Until the browser has refused: the frame shows its error page and the console says why.
    const framedFrame = () => page.frames().find((frame) => frame !== page.mainFrame());
    await eventually(
      () =>
        /^chrome-error:/.test(framedFrame()?.url() ?? '') &&
        messages.some((message) => /frame-ancestors/.test(message)),
      () => `the browser refused to frame it: ${messages.join(' | ')}`,
    );
    const framed = framedFrame();
    assert.ok(framed);
    assert.equal(
      await framed.getByRole('heading', { name: 'Token tools' }).count(),
      0,
      'the UI did not render',
    );
    assert.match(framed.url(), /^chrome-error:/, 'the frame shows the browser error page');
    assert.ok(
      messages.some((message) => /frame-ancestors/.test(message)),
      `the browser refused to frame it: ${messages.join(' | ')}`,
    );
    await context.close();
  });

  it('assets: only known files (no traversal), revalidated with an ETag', async () => {
    for (const path of [
      '/ui/../package.json',
      '/ui/%2e%2e/%2e%2e/package.json',
      '/ui/lib/jwt.test.ts',
      '/ui/nope.js',
    ]) {
      const response = await fetch(`${ui.server.url}${path}`);
      assert.equal(response.status, 404, path);
    }
    const first = await fetch(`${ui.server.url}/ui/main.js`);
    const etag = first.headers.get('etag');
    assert.ok(etag);
    assert.equal(first.headers.get('cache-control'), 'no-cache');
    const again = await fetch(`${ui.server.url}/ui/main.js`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
  });
});
