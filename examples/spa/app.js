/**
 * The example SPA: @gatehouse/client on the hybrid strategy. The access token stays in the
 * client's memory; the orders and billing APIs (other origins) get it as a Bearer header through
 * `gatehouse.fetch`, which sends it to those two origins only. No cookie ever goes to them.
 */
import { createGatehouseClient } from '/client/index.js';

/** @type {{ orders: string, billing: string }} */
const apis = await (await fetch('/config.json')).json();
const gatehouse = createGatehouseClient({
  apiOrigins: [new URL(apis.orders).origin, new URL(apis.billing).origin],
});

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const status = (/** @type {string} */ text) => {
  $('status').textContent = text;
};

function show() {
  const user = gatehouse.user();
  $('signed-out').hidden = user !== null;
  $('signed-in').hidden = user === null;
  $('who').textContent = user?.email ?? '';
}

gatehouse.on('signedin', show);
gatehouse.on('signedout', (event) => {
  show();
  status(event.reason === 'signed_out' ? 'Signed out.' : 'Your session has ended: sign in again.');
});

$('sign-in').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = /** @type {HTMLFormElement} */ (event.target);
  const data = new FormData(form);
  try {
    await gatehouse.signIn(String(data.get('email')), String(data.get('password')));
    form.reset();
    status('Signed in.');
  } catch (error) {
    status(
      error instanceof Error && 'code' in error ? `Sign-in refused (${error.code}).` : 'Sign-in failed.',
    );
  }
  show();
});

/** @param {string} url */
async function call(url) {
  const output = $('output');
  try {
    const response = await gatehouse.fetch(url);
    output.dataset.status = String(response.status);
    output.textContent = `${response.status} ${url}\n${await response.text()}`;
  } catch (error) {
    output.dataset.status = 'error';
    output.textContent = `${url}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

$('orders').addEventListener('click', () => call(`${apis.orders}/orders`));
$('invoices').addEventListener('click', () => call(`${apis.billing}/invoices`));
$('sign-out').addEventListener('click', async () => {
  try {
    await gatehouse.signOut();
  } catch {
    status('Could not reach the auth server; try again.');
  }
});

await gatehouse.ready.catch(() => null);
show();
document.body.dataset.ready = 'true';
