/**
 * Browser tests: a real server (startServer, embedded SQLite in a temp dir) and a real Chromium
 * driven by playwright-core. Not a test file itself.
 *
 * The page origin is `http://localhost:<port>`: Chromium treats localhost as a secure context, so
 * the `__Host-`/Secure session cookie works over plain http. The server must know that origin
 * before it starts (issuer and allowed origins are fixed at start), so the port is reserved first
 * rather than left to `port: 0`.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningServer, loadConfig, startServer } from '@gatehouse/server';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { freePort } from '../support/free-port.ts';

export const PASSWORD = 'correct horse battery staple';
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Every wait in these tests is bounded by this, so a broken page fails instead of hanging. */
export const STEP_TIMEOUT_MS = 10_000;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Why a browser test is skipped here, or undefined when it can run. */
export const skipReason: string | undefined = existsSync(CHROMIUM)
  ? undefined
  : `no Chromium at ${CHROMIUM} (run .ci/browser, or set CHROMIUM_PATH)`;

export interface UiServer {
  server: RunningServer;
  /** `http://localhost:<port>`: the origin pages are loaded from. */
  origin: string;
  close(): Promise<void>;
}

export async function startUiServer(extraArgs: string[] = []): Promise<UiServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-browser-'));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const origin = `http://localhost:${port}`;
    const config = loadConfig({}, [
      '--data-dir',
      dataDir,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--issuer',
      origin,
      ...extraArgs,
    ]);
    try {
      const server = await startServer(config, { logger: false, print: () => {} });
      return {
        server,
        origin,
        async close() {
          await server.close();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      // Someone took the port between the probe and the listen: try another.
      if ((error as { code?: string }).code !== 'EADDRINUSE' || attempt >= 3) {
        await rm(dataDir, { recursive: true, force: true });
        throw error;
      }
    }
  }
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/** A fresh context (own cookies) with bounded waits. */
export async function newContext(
  browser: Browser,
  options: { userAgent?: string } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 800, height: 600 }, ...options });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  return context;
}

/** Registers an account over the API (the UI's own form is tested separately). */
export async function createAccount(ui: UiServer, email: string, roles: string[] = []): Promise<string> {
  const response = await fetch(`${ui.server.url}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  assert.equal(response.status, 202);
  const user = await ui.server.store.users.getByEmail(email);
  assert.ok(user);
  if (roles.length > 0) await ui.server.store.users.update(user.id, { roles });
  return user.id;
}

/** Signs in through the page's form, starting from `/`. */
export async function signInThroughUi(
  page: Page,
  ui: UiServer,
  email: string,
  password = PASSWORD,
): Promise<void> {
  await page.goto(`${ui.origin}/`);
  const form = page.locator('form', { has: page.getByRole('heading', { name: 'Sign in', exact: true }) });
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Password').fill(password);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
}

/** Collects console messages and page errors; CSP violations show up in both. */
export function recordConsole(page: Page): string[] {
  const messages: string[] = [];
  page.on('console', (message) => messages.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => messages.push(`pageerror: ${error.message}`));
  return messages;
}
