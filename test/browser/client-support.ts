/**
 * Browser tests of @gatehouse/client: a harness page on the auth server's origin (served by
 * Playwright's router, so the server needs no test route) that loads the built client from
 * packages/client/dist and exposes a few calls to the test. Not a test file itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { BrowserContext, Page } from 'playwright-core';
import { CLIENT_DIST, ensureClientBuilt } from '../client/ensure-built.ts';
import { STEP_TIMEOUT_MS, startUiServer, type UiServer } from './support.ts';

export { CLIENT_DIST, ensureClientBuilt } from '../client/ensure-built.ts';

export interface CountingServer extends UiServer {
  /** `POST /auth/refresh` requests received since the last reset, counted by the server's socket layer. */
  refreshes(): number;
  resetCounts(): void;
}

/** A UI server whose access tokens live 30 s (the shortest allowed) and whose grace window is 1 s. */
export async function startCountingServer(extraArgs: string[] = []): Promise<CountingServer> {
  const ui = await startUiServer([
    '--access-token-ttl-seconds',
    '30',
    '--refresh-grace-seconds',
    '1',
    ...extraArgs,
  ]);
  let refreshes = 0;
  ui.server.app.server.on('request', (request: IncomingMessage) => {
    if (request.method === 'POST' && request.url?.split('?')[0] === '/auth/refresh') refreshes++;
  });
  return {
    ...ui,
    refreshes: () => refreshes,
    resetCounts: () => {
      refreshes = 0;
    },
  };
}

const HARNESS = '/__client-harness/';

/**
 * Serves the harness under `<origin>/__client-harness/` in this context: `index.html` and
 * `app.js` (which creates the client with `options`), and the built client under `client/`.
 * Requests anywhere else go to the real server.
 */
export async function installHarness(
  context: BrowserContext,
  origin: string,
  options: Record<string, unknown> = {},
): Promise<void> {
  ensureClientBuilt();
  const app = `
import { createGatehouseClient } from './client/index.js';
const client = createGatehouseClient(${JSON.stringify(options)});
const events = [];
let signedIn = 0;
client.on('signedout', (event) => events.push(event.reason));
client.on('signedin', () => signedIn++);
window.harness = {
  ready: client.ready.then((user) => user?.email ?? null, (error) => 'error: ' + error.message),
  events,
  signedIn: () => signedIn,
  user: () => client.user()?.email ?? null,
  token: () => client.getAccessToken(),
  signIn: async (email, password) => (await client.signIn(email, password)).email,
  signOut: () => client.signOut(),
  signOutEverywhere: () => client.signOutEverywhere(),
  fetch: async (url, init) => {
    const response = await client.fetch(url, init);
    return { status: response.status, body: await response.text() };
  },
};
`;
  await context.route(`${origin}${HARNESS}**`, async (route) => {
    const path = new URL(route.request().url()).pathname.slice(HARNESS.length);
    if (path === 'index.html')
      return route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><meta charset="utf-8"><title>harness</title><script type="module" src="${HARNESS}app.js"></script>`,
      });
    if (path === 'app.js') return route.fulfill({ contentType: 'text/javascript', body: app });
    const file = path.startsWith('client/') ? `${CLIENT_DIST}${path.slice('client/'.length)}` : '';
    if (file && /^[\w/-]+\.js$/.test(path) && existsSync(file))
      return route.fulfill({ contentType: 'text/javascript', body: readFileSync(file, 'utf8') });
    return route.fulfill({ status: 404, body: 'not found' });
  });
}

/** Opens the harness in a new tab and waits for the client to know whether it is signed in. */
export async function openTab(
  context: BrowserContext,
  origin: string,
): Promise<{ page: Page; user: string | null }> {
  const page = await context.newPage();
  await page.goto(`${origin}${HARNESS}index.html`);
  await page.waitForFunction(() => 'harness' in window);
  const user = (await page.evaluate(() => window.harness.ready)) as string | null;
  return { page, user };
}

/** Polls `check` in the page until it is true, failing after `timeout` ms. */
export async function waitInPage(page: Page, check: () => boolean, timeout = STEP_TIMEOUT_MS): Promise<void> {
  await page.waitForFunction(check, undefined, { timeout, polling: 20 });
}

export interface Harness {
  ready: Promise<string | null>;
  events: string[];
  signedIn(): number;
  user(): string | null;
  token(): Promise<string | null>;
  signIn(email: string, password: string): Promise<string>;
  signOut(): Promise<void>;
  signOutEverywhere(): Promise<void>;
  fetch(url: string, init?: RequestInit): Promise<{ status: number; body: string }>;
}

declare global {
  interface Window {
    harness: Harness;
  }
}
