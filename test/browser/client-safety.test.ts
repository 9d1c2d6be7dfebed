/**
 * @gatehouse/client against what a page must survive: an injected script looking for tokens, and
 * requests to origins that must never see the access token.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { type CountingServer, installHarness, openTab } from './client-support.ts';
import { REFRESH_COOKIE_NAME } from './client-replay.ts';
import { createAccount, launchBrowser, newContext, PASSWORD, skipReason } from './support.ts';

interface Api {
  server: Server;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  port: number;
  /** Every request except preflights: path and the Authorization header it carried. */
  seen: { path: string; authorization: string | undefined }[];
}

/** A CORS API for the page's origin: answers 200 with what it saw, or 401 on `/always-401`. */
async function startApi(pageOrigin: string, redirectTo?: () => string): Promise<Api> {
  const seen: Api['seen'] = [];
  const server = createServer((request, response) => {
    const requestOrigin = request.headers.origin;
    response.setHeader('access-control-allow-origin', requestOrigin ?? pageOrigin);
    response.setHeader('vary', 'origin');
    if (request.method === 'OPTIONS') {
      response.setHeader('access-control-allow-headers', 'authorization, content-type');
      response.setHeader('access-control-allow-methods', 'GET, POST');
      response.end();
      return;
    }
    const path = request.url ?? '/';
    seen.push({ path, authorization: request.headers.authorization });
    if (path === '/redirect' && redirectTo) {
      response.writeHead(302, { location: `${redirectTo()}/after-redirect` }).end();
      return;
    }
    response.writeHead(path === '/always-401' ? 401 : 200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ authorization: request.headers.authorization ?? null }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}`, port, seen };
}

describe('browser: @gatehouse/client safety', { skip: skipReason, timeout: 120_000 }, () => {
  let server: CountingServer;
  let browser: Browser;
  let listed: Api;
  let unlisted: Api;
  before(async () => {
    const { startCountingServer } = await import('./client-support.ts');
    server = await startCountingServer();
    browser = await launchBrowser();
    unlisted = await startApi(server.origin);
    listed = await startApi(server.origin, () => unlisted.origin);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    listed?.server.close();
    unlisted?.server.close();
  });

  it('an injected script finds no token in any storage, and cannot read the refresh cookie', async () => {
    const email = 'xss@example.com';
    await createAccount(server, email);
    const context = await newContext(browser);
    await installHarness(context, server.origin);
    const { page } = await openTab(context, server.origin);
    await page.evaluate(([e, p]) => window.harness.signIn(e!, p!), [email, PASSWORD]);
    await page.reload(); // resumes through a refresh: both ways of getting tokens have run
    assert.equal(await page.evaluate(() => window.harness.ready), email);
    const accessToken = await page.evaluate(() => window.harness.token());
    const refreshCookie = (await context.cookies()).find((cookie) => cookie.name === REFRESH_COOKIE_NAME);
    assert.ok(accessToken && refreshCookie, 'there are tokens to find');
    assert.equal(refreshCookie.httpOnly, true);

    // What an XSS payload would run.
    const loot = await page.evaluate(async () => {
      const found: string[] = [];
      for (const [name, store] of [
        ['localStorage', localStorage],
        ['sessionStorage', sessionStorage],
      ] as const) {
        for (let index = 0; index < store.length; index++) {
          const key = store.key(index)!;
          found.push(`${name}:${key}=${store.getItem(key)}`);
        }
      }
      for (const database of await indexedDB.databases()) found.push(`indexedDB:${database.name}`);
      for (const key of await caches.keys()) found.push(`cache:${key}`);
      const cookieStore = (
        window as { cookieStore?: { getAll(): Promise<{ name: string; value: string }[]> } }
      ).cookieStore;
      for (const cookie of (await cookieStore?.getAll()) ?? [])
        found.push(`cookieStore:${cookie.name}=${cookie.value}`);
      if (document.cookie) found.push(`document.cookie:${document.cookie}`);
      return found;
    });
    assert.deepEqual(loot, [], 'nothing at rest for a script to take');

    // Even on a page at the cookie's own path, script cannot read it: it is HttpOnly.
    const atCookiePath = await context.newPage();
    await atCookiePath.goto(`${server.origin}/auth/refresh/csrf`);
    assert.equal(await atCookiePath.evaluate(() => document.cookie), '');
    await context.close();
  });

  /** A new account signed in on a harness page whose client lists the `listed` API. */
  async function signedInWithApi(email: string) {
    await createAccount(server, email);
    const context = await newContext(browser);
    // The harness page is served by Playwright's router, so Chromium cannot place it in the
    // loopback address space the APIs are in: allow such requests explicitly.
    await context.grantPermissions(['local-network-access']);
    await installHarness(context, server.origin, { apiOrigins: [listed.origin] });
    const { page } = await openTab(context, server.origin);
    await page.evaluate(([e, p]) => window.harness.signIn(e!, p!), [email, PASSWORD]);
    return { context, page };
  }

  it('the fetch wrapper sends Authorization to the listed origins only, and retries once after a 401', async () => {
    const { context, page } = await signedInWithApi('origins@example.com');
    const accessToken = await page.evaluate(() => window.harness.token());
    const call = (url: string) =>
      page
        .evaluate((target) => window.harness.fetch(target), url)
        .catch((error) => {
          throw new Error(`${url}: ${error.message}`);
        });

    assert.equal((await call(`${listed.origin}/data`)).status, 200);
    assert.deepEqual(listed.seen.at(-1), { path: '/data', authorization: `Bearer ${accessToken}` });
    assert.equal((await call(`${server.origin}/auth/me`)).status, 200, 'the auth server is always listed');

    const unlistedCalls = [
      `${unlisted.origin}/data`,
      // The same server under another name is another origin.
      `http://localhost:${listed.port}/data`,
      // A cross-origin redirect from a listed origin: the browser drops the header on the way.
      `${listed.origin}/redirect`,
    ];
    listed.seen.length = 0;
    unlisted.seen.length = 0;
    for (const url of unlistedCalls) assert.equal((await call(url)).status, 200, url);
    assert.deepEqual(
      [...listed.seen, ...unlisted.seen].map((request) => [request.path, request.authorization]),
      [
        ['/data', undefined],
        ['/redirect', `Bearer ${accessToken}`],
        ['/data', undefined],
        ['/after-redirect', undefined],
      ],
    );

    // A 401 from an unlisted origin is not the client's business: no refresh.
    server.resetCounts();
    unlisted.seen.length = 0;
    assert.equal((await call(`${unlisted.origin}/always-401`)).status, 401);
    assert.equal(unlisted.seen.length, 1);
    assert.equal(server.refreshes(), 0);

    // A 401 from a listed origin: one refresh, one retry with the new token, then the answer.
    listed.seen.length = 0;
    assert.equal((await call(`${listed.origin}/always-401`)).status, 401);
    assert.equal(server.refreshes(), 1);
    assert.equal(listed.seen.length, 2, 'sent, then retried once');
    assert.equal(listed.seen[0]!.authorization, `Bearer ${accessToken}`);
    const renewed = await page.evaluate(() => window.harness.token());
    assert.notEqual(renewed, accessToken);
    assert.equal(listed.seen[1]!.authorization, `Bearer ${renewed}`);
    assert.deepEqual(await page.evaluate(() => window.harness.events), []);
    await context.close();
  });

  it('a refresh the server refuses for a while (429, past 60 rotations a minute) is no sign-out: the call keeps its answer, the session its token', async () => {
    const email = 'refresh-loop@example.com';
    const { context, page } = await signedInWithApi(email);
    // Each 401 from a listed origin costs one refresh (then a retry): the session's 60 of this minute.
    const status = async () =>
      (await page.evaluate((url) => window.harness.fetch(url), `${listed.origin}/always-401`)).status;
    server.resetCounts();
    listed.seen.length = 0;
    for (let index = 0; index < 60; index++) assert.equal(await status(), 401, `call ${index + 1}`);
    assert.deepEqual([server.refreshes(), listed.seen.length], [60, 120], 'each call refreshed and retried');
    const lastRotated = await page.evaluate(() => window.harness.token());

    assert.equal(await status(), 401);

    assert.deepEqual([server.refreshes(), listed.seen.length], [61, 121], 'refreshed, refused, not retried');
    assert.deepEqual(await page.evaluate(() => window.harness.events), [], 'no sign-out');
    assert.equal(await page.evaluate(() => window.harness.user()), email);
    assert.equal(
      await page.evaluate(() => window.harness.token()),
      lastRotated,
      "the last rotation's token still serves",
    );
    assert.equal(
      (await page.evaluate((url) => window.harness.fetch(url), `${server.origin}/auth/me`)).status,
      200,
    );
    await context.close();
  });
});
