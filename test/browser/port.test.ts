/**
 * Issue 15 (first hour): `PORT=… npm start` with no GATEHOUSE_ISSUER. The real CLI in its own
 * process, as a newcomer starts it; Chromium signs in at localhost and at 127.0.0.1 on that port.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, newContext, PASSWORD, skipReason } from './support.ts';
import { freePort } from '../support/free-port.ts';

const CLI = fileURLToPath(new URL('../../packages/server/src/cli.ts', import.meta.url));

interface Served {
  child: ChildProcess;
  port: number;
  output: () => string;
}

/** `gatehouse serve` with PORT set and nothing else; resolves once the banner is printed. */
async function serveWithPort(dataDir: string): Promise<Served> {
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    PORT: String(port),
    GATEHOUSE_DATA_DIR: dataDir,
  };
  const child = spawn(process.execPath, [CLI, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    output += chunk;
  });
  const deadline = Date.now() + 20_000;
  while (!/Gatehouse listening on/.test(output)) {
    if (child.exitCode !== null) throw new Error(`serve exited: ${output}`);
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`no banner in 20 s: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, port, output: () => output };
}

describe('browser: PORT without an issuer (the first hour)', { skip: skipReason, timeout: 120_000 }, () => {
  let dataDir: string;
  let served: Served;
  let browser: Browser;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-port-'));
    served = await serveWithPort(dataDir);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    if (served && served.child.exitCode === null) {
      const exited = new Promise((resolve) => served.child.once('exit', resolve));
      served.child.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints the URL to open, and discovery names that port', async () => {
    const { port } = served;
    assert.match(
      served.output(),
      new RegExp(`Gatehouse listening on http://127\\.0\\.0\\.1:${port}; open http://localhost:${port}/`),
    );
    const discovery = await (await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`)).json();
    assert.equal(discovery.issuer, `http://localhost:${port}`);
    assert.equal(discovery.jwks_uri, `http://localhost:${port}/.well-known/jwks.json`);
  });

  for (const host of ['localhost', '127.0.0.1']) {
    it(`registers and signs in through the page at ${host}`, async () => {
      const origin = `http://${host}:${served.port}`;
      const email = `first-hour-${host.replaceAll('.', '-')}@example.com`;
      const context = await newContext(browser);
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      const registerForm = page.locator('form', {
        has: page.getByRole('heading', { name: 'Create an account' }),
      });
      await registerForm.getByLabel('Email').fill(email);
      await registerForm.getByLabel('Password').fill(PASSWORD);
      await registerForm.getByRole('button', { name: 'Create account' }).click();
      await registerForm.getByText('If this email was new, the account exists now').waitFor();
      const signIn = page.locator('form', {
        has: page.getByRole('heading', { name: 'Sign in', exact: true }),
      });
      await signIn.getByLabel('Password').fill(PASSWORD);
      await signIn.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Your account' }).waitFor();
      assert.equal(await page.locator('.signed-in-email').textContent(), email);
      // A state change with the cookie: sign out goes through the CSRF checks.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByText('You are signed out.').first().waitFor();
      await context.close();
    });
  }
});
