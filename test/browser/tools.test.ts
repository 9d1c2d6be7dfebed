import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  createAccount,
  launchBrowser,
  newContext,
  PASSWORD,
  skipReason,
  startUiServer,
  type UiServer,
} from './support.ts';

/** Every request the page makes from now on. */
function recordRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (request) => urls.push(`${request.method()} ${request.url()}`));
  return urls;
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

describe('browser: token tools', { skip: skipReason, timeout: 120_000 }, () => {
  let ui: UiServer;
  let browser: Browser;
  let accessToken: string;
  before(async () => {
    ui = await startUiServer();
    browser = await launchBrowser();
    await createAccount(ui, 'tools@example.com');
    const response = await fetch(`${ui.server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'tools@example.com', password: PASSWORD, strategy: 'token' }),
    });
    assert.equal(response.status, 200);
    accessToken = (await response.json()).accessToken;
  });
  after(async () => {
    await browser?.close();
    await ui?.close();
  });

  async function openTools(): Promise<Page> {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${ui.origin}/tools`, { waitUntil: 'networkidle' });
    await page.getByRole('heading', { name: 'JWT decoder' }).waitFor();
    return page;
  }

  it('decodes an access token with every claim explained, without a single request', async () => {
    const page = await openTools();
    const requests = recordRequests(page);
    const claims = claimsOf(accessToken);

    await page.getByRole('textbox', { name: 'Token' }).fill(accessToken);
    const table = page.getByRole('table', { name: 'Claims' });
    await table.waitFor();
    for (const name of ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'sid']) {
      const row = table.locator(`tr[data-name="${name}"]`);
      const value = claims[name];
      assert.ok(
        (await row.getByRole('cell').first().textContent())?.includes(String(value)),
        `${name} shows ${value}`,
      );
      assert.ok(((await row.locator('td.meaning').textContent()) ?? '').length > 20, `${name} is explained`);
    }
    assert.equal(claims.iss, ui.origin);
    const header = page.getByRole('table', { name: 'Header' });
    for (const name of ['alg', 'kid', 'typ']) await header.locator(`tr[data-name="${name}"]`).waitFor();
    assert.match((await header.locator('tr[data-name="alg"]').textContent()) ?? '', /ES256/);
    assert.match((await header.locator('tr[data-name="typ"]').textContent()) ?? '', /at\+jwt/);

    // exp and iat: local time and a live countdown.
    const exp = table.locator('tr[data-name="exp"]');
    const localTime = await exp.locator('time').getAttribute('datetime');
    assert.equal(localTime, new Date((claims.exp as number) * 1000).toISOString());
    const countdown = exp.getByRole('timer');
    const first = await countdown.textContent();
    assert.match(first ?? '', /^expires in (\d+m \d{2}s|\d+s)$/);
    await page.waitForFunction(
      (before) => document.querySelector('tr[data-name="exp"] [role="timer"]')?.textContent !== before,
      first,
      { timeout: 3000 },
    );
    assert.match((await table.locator('tr[data-name="iat"]').getByRole('timer').textContent()) ?? '', /ago$/);
    await page.getByText(/^Decoded \(not verified\): ES256, key .+, expires in /).waitFor();

    // The other tools also stay in the page.
    const base64 = page.getByRole('region', { name: 'Base64 and base64url' });
    await base64.getByRole('textbox', { name: 'Input' }).fill('héllo ✓ 🔑');
    await base64.getByRole('button', { name: 'Encode' }).click();
    const output = base64.getByRole('textbox', { name: 'Result' });
    assert.equal(await output.inputValue(), Buffer.from('héllo ✓ 🔑').toString('base64'));
    await base64.getByRole('radio', { name: /URL-safe/ }).check();
    await base64.getByRole('button', { name: 'Encode' }).click();
    assert.equal(await output.inputValue(), Buffer.from('héllo ✓ 🔑').toString('base64url'));
    await base64
      .getByRole('textbox', { name: 'Input' })
      .fill(Buffer.from('héllo ✓ 🔑').toString('base64url'));
    await base64.getByRole('button', { name: 'Decode' }).click();
    assert.equal(await output.inputValue(), 'héllo ✓ 🔑');
    await base64.getByRole('textbox', { name: 'Input' }).fill('not base64!');
    await base64.getByRole('button', { name: 'Decode' }).click();
    await base64.getByRole('alert').waitFor();

    const time = page.getByRole('region', { name: 'Unix time' });
    await time.getByRole('textbox', { name: 'Timestamp or date' }).fill('1767225600');
    assert.equal(await time.locator('[data-field="iso"]').textContent(), '2026-01-01T00:00:00.000Z');
    assert.equal(await time.locator('[data-field="milliseconds"]').textContent(), '1767225600000');
    await time.getByRole('textbox', { name: 'Timestamp or date' }).fill('2026-01-01T00:00:00Z');
    assert.equal(await time.locator('[data-field="seconds"]').textContent(), '1767225600');

    assert.deepEqual(requests, [], 'decoding and converting made no request');
    await page.context().close();
  });

  it('verifies the signature against the server only when asked, and catches a forged token', async () => {
    const page = await openTools();
    const requests = recordRequests(page);
    const input = page.getByRole('textbox', { name: 'Token' });
    await input.fill(accessToken);
    assert.deepEqual(requests, []);

    await page.getByRole('button', { name: 'Verify against server' }).click();
    await page.getByText(/^Signature valid: signed by this server's key/).waitFor();
    assert.deepEqual(requests, [`GET ${ui.origin}/.well-known/jwks.json`], 'one request: the public keys');

    // Same header and signature, claims changed: the decoder shows them, the signature check does not accept them.
    const [header, payload, signature] = accessToken.split('.');
    const forgedClaims = { ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), roles: ['admin'] };
    const forged = `${header}.${Buffer.from(JSON.stringify(forgedClaims)).toString('base64url')}.${signature}`;
    await input.fill(forged);
    await page
      .getByRole('table', { name: 'Claims' })
      .locator('tr[data-name="roles"]')
      .getByText('["admin"]')
      .waitFor();
    await page.getByRole('button', { name: 'Verify against server' }).click();
    await page.getByText(/^Signature INVALID for this server's key/).waitFor();

    // A pasted JWK (here: the server's own, copied) works the same, with no request.
    const jwks = await (await fetch(`${ui.server.url}/.well-known/jwks.json`)).json();
    const before = requests.length;
    await input.fill(accessToken);
    await page
      .getByRole('textbox', { name: 'Public key: JWK, JWK Set or PEM' })
      .fill(JSON.stringify(jwks.keys[0]));
    await page.getByRole('button', { name: 'Verify with this key' }).click();
    await page.getByText(/^Signature valid: signed by the pasted key/).waitFor();
    assert.equal(requests.length, before);
    await page.context().close();
  });

  it('says what is wrong with input that is not a JWT, and warns about alg none', async () => {
    const page = await openTools();
    const input = page.getByRole('textbox', { name: 'Token' });
    await input.fill('abc.def');
    await page.getByText('A JWT has three parts separated by dots; this has 2.').waitFor();
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`;
    await input.fill(none);
    await page
      .getByRole('list', { name: 'Warnings' })
      .getByText(/alg "none"/)
      .waitFor();
    await page.getByRole('button', { name: 'Verify against server' }).click();
    await page.getByText(/nothing to verify/).waitFor();
    await page.context().close();
  });
});
