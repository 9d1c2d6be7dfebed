/**
 * Regenerates the README's screenshots of the web UI (800×600 PNGs in docs/img/), from a throwaway
 * server and Chromium, with made-up accounts. Run: node scripts/ui-screenshots.ts
 */
import { fileURLToPath } from 'node:url';
import {
  createAccount,
  launchBrowser,
  newContext,
  PASSWORD,
  signInThroughUi,
  startUiServer,
} from '../test/browser/support.ts';

const OUT = fileURLToPath(new URL('../docs/img/', import.meta.url));
const OTHER_DEVICES = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Mobile/15E148 Safari/604.1',
];

const ui = await startUiServer();
const browser = await launchBrowser();
try {
  await createAccount(ui, 'ada@example.com');
  for (const userAgent of OTHER_DEVICES) {
    await fetch(`${ui.server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': userAgent },
      body: JSON.stringify({ email: 'ada@example.com', password: PASSWORD }),
    });
  }
  const context = await newContext(browser, {
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:135.0) Gecko/20100101 Firefox/135.0',
  });
  const page = await context.newPage();
  await signInThroughUi(page, ui, 'ada@example.com');
  await page.goto(`${ui.origin}/sessions`, { waitUntil: 'networkidle' });
  await page.getByText('This device', { exact: true }).waitFor();
  await page.screenshot({ path: `${OUT}devices.png` });

  const login = await fetch(`${ui.server.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'ada@example.com', password: PASSWORD, strategy: 'token' }),
  });
  const { accessToken } = await login.json();
  await page.goto(`${ui.origin}/tools`, { waitUntil: 'networkidle' });
  await page.getByRole('textbox', { name: 'Token' }).fill(accessToken);
  await page.getByRole('table', { name: 'Claims' }).waitFor();
  await page.getByRole('button', { name: 'Verify against server' }).click();
  await page.getByText(/^Signature valid/).waitFor();
  // From the decoded summary down: the header table and the first claims.
  await page.evaluate(() => document.getElementById('jwt-summary')?.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: `${OUT}tools.png` });
  process.stdout.write(`wrote ${OUT}devices.png and ${OUT}tools.png\n`);
} finally {
  await browser.close();
  await ui.close();
}
