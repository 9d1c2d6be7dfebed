/**
 * examples/spa in real Chromium: the SPA on its own origin signs in (hybrid, through its /auth/
 * proxy), calls the orders and billing services on other origins with the access token only, and
 * after a logout elsewhere its next API call is refused and it ends signed out.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { type NodeProcess, spawnNode } from '../e2e/support/node-process.ts';
import { ensureClientBuilt } from './client-support.ts';
import { launchBrowser, newContext, PASSWORD, recordConsole, skipReason } from './support.ts';

const START_SCRIPT = fileURLToPath(new URL('../../examples/spa/start.ts', import.meta.url));
const STARTUP_MS = 30_000;

describe('browser: examples/spa (a SPA on another origin)', { skip: skipReason, timeout: 120_000 }, () => {
  let example: NodeProcess;
  let browser: Browser;
  const urls: Record<string, string> = {};
  before(async () => {
    ensureClientBuilt();
    example = spawnNode('examples/spa/start.ts', START_SCRIPT, {
      AUTH_PORT: '0',
      ORDERS_PORT: '0',
      BILLING_PORT: '0',
      SPA_PORT: '0',
    });
    for (const [name, label] of [
      ['auth', 'auth server'],
      ['orders', 'orders, Express'],
      ['billing', 'billing, Hono'],
      ['spa', 'example SPA'],
    ] as const) {
      urls[name] = await example.waitForLine(
        (line) => new RegExp(`^ {2}${label}\\s+(http://\\S+)\\s+\\(pid \\d+\\)$`).exec(line)?.[1],
        STARTUP_MS,
      );
    }
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await example?.stop('SIGINT');
  });

  it('signs in, calls both APIs with the token only, and is refused after a logout elsewhere', async () => {
    const email = 'spa@example.com';
    const registered = await fetch(`${urls.auth}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    assert.equal(registered.status, 202);

    const context = await newContext(browser);
    const page = await context.newPage();
    const messages = recordConsole(page);
    const apiRequests: Record<string, string>[] = [];
    page.on('request', async (request) => {
      if (request.url().startsWith(urls.orders!) || request.url().startsWith(urls.billing!))
        apiRequests.push({ url: request.url(), method: request.method(), ...(await request.allHeaders()) });
    });
    await page.goto(urls.spa!);
    await page.locator('body[data-ready="true"]').waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: `Signed in as ${email}` }).waitFor();
    const cookies = await context.cookies();
    assert.deepEqual(
      cookies.map((cookie) => [cookie.name, new URL(urls.spa!).hostname]),
      [['__Secure-gh_refresh', 'localhost']],
      'the refresh cookie belongs to the SPA origin (first-party)',
    );

    const output = page.locator('#output');
    const call = async (button: string) => {
      await output.evaluate((element) => {
        delete (element as HTMLElement).dataset.status;
      });
      await page.getByRole('button', { name: button }).click();
      await page.locator('#output[data-status]').waitFor();
      return { status: await output.getAttribute('data-status'), text: (await output.textContent()) ?? '' };
    };
    const orders = await call('Load orders');
    assert.equal(orders.status, '200', orders.text);
    assert.match(orders.text, /"service":"orders".*"credential":"jwt"/);
    const invoices = await call('Load invoices');
    assert.equal(invoices.status, '200', invoices.text);
    assert.match(invoices.text, /"service":"billing"/);

    const sent = apiRequests.filter((request) => request.method === 'GET');
    assert.equal(sent.length, 2);
    for (const request of sent) {
      assert.match(request.authorization ?? '', /^Bearer ey/, 'the access token goes to the APIs');
      assert.equal(request.cookie, undefined, `no cookie to ${request.url}`);
    }

    // Elsewhere (another device), the user signs out everywhere.
    const other = await fetch(`${urls.auth}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD, strategy: 'token' }),
    });
    const { accessToken } = (await other.json()) as { accessToken: string };
    const loggedOut = await fetch(`${urls.auth}/auth/logout-all`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    assert.equal(loggedOut.status, 204);
    const loggedOutAt = Date.now();

    // The SPA's token has not expired; the services refuse it once the feed has told them.
    let refused: { status: string | null; text: string } | undefined;
    while (!refused) {
      const answer = await call('Load orders');
      if (answer.status === '401') refused = answer;
      else {
        assert.equal(answer.status, '200', answer.text);
        assert.ok(Date.now() - loggedOutAt < 5000, 'refused within 5 s of the logout');
      }
    }
    await page.getByText('Your session has ended: sign in again.').waitFor();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.deepEqual(await context.cookies(), [], 'the dead refresh cookie was cleared');
    assert.deepEqual(
      messages.filter((message) => /Content Security Policy|pageerror/i.test(message)),
      [],
    );
    await context.close();
  });
});
