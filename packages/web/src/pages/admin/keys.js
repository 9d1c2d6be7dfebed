// @ts-check
import { request } from '../../lib/api.js';
import { h, notice, replaceChildren } from '../../lib/dom.js';
import { dataTable, showError, timeCell } from './shared.js';

/**
 * @typedef {object} KeyActions
 * @property {HTMLElement} result where outcomes and errors are shown
 * @property {() => Promise<void>} reload shows the keys again
 */

/**
 * A "Revoke…" button that turns into "Revoke now" and "Cancel".
 *
 * @param {import('./shared.js').KeyView} key
 * @param {KeyActions} actions
 */
function revokeCell(key, { result, reload }) {
  const cell = h('td', { class: 'row-actions' });
  const revoke = async () => {
    try {
      await request('POST', `/admin/keys/${encodeURIComponent(key.kid)}/revoke`);
      replaceChildren(result, notice('success', `Key ${key.kid} revoked: tokens it signed are refused.`));
      await reload();
    } catch (error) {
      showError(error, result);
    }
  };
  const ask = () =>
    replaceChildren(
      cell,
      h('button', { type: 'button', class: 'button-danger', onclick: revoke }, `Revoke ${key.kid} now`),
      h('button', { type: 'button', class: 'button-quiet', onclick: idle }, 'Cancel'),
    );
  const idle = () =>
    replaceChildren(
      cell,
      h(
        'button',
        { type: 'button', class: 'button-secondary', 'aria-label': `Revoke key ${key.kid}`, onclick: ask },
        'Revoke…',
      ),
    );
  idle();
  return cell;
}

/** @param {import('./shared.js').KeyView} key @param {KeyActions} actions */
function keyRow(key, actions) {
  return h(
    'tr',
    {},
    h('td', { class: 'id' }, key.kid),
    h('td', {}, key.alg),
    h('td', {}, h('span', { class: key.status === 'active' ? 'badge badge-ok' : 'badge' }, key.status)),
    timeCell(key.createdAt),
    key.retiredAt ? timeCell(key.retiredAt) : h('td', {}, '—'),
    revokeCell(key, actions),
  );
}

/** The signing keys, with rotation and revocation. */
export function keysSection() {
  const result = h('div', { class: 'form-result', 'aria-live': 'polite' });
  const results = h('div', {});
  const actions = { result, reload: load };

  /** @returns {Promise<void>} */
  async function load() {
    try {
      /** @type {{ keys: import('./shared.js').KeyView[] }} */
      const { keys } = await request('GET', '/admin/keys');
      replaceChildren(
        results,
        dataTable(
          'Signing keys, newest first',
          ['Key id', 'Algorithm', 'Status', 'Created', 'Retired', ''],
          keys.map((key) => keyRow(key, actions)),
          'No keys.',
        ),
      );
    } catch (error) {
      showError(error, result);
    }
  }

  async function rotate() {
    try {
      const { kid } = await request('POST', '/admin/keys/rotate');
      replaceChildren(result, notice('success', `Rotated: ${kid} signs from now on.`));
      await load();
    } catch (error) {
      showError(error, result);
    }
  }

  load();
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'keys-title' },
    h('h2', { id: 'keys-title' }, 'Signing keys'),
    h(
      'p',
      { class: 'hint' },
      'Rotating makes a new key sign from now on; the previous one keeps verifying what it signed. Revoking deletes a key at once: every token it signed is refused.',
    ),
    h('div', { class: 'toolbar' }, h('button', { type: 'button', onclick: rotate }, 'Rotate now')),
    result,
    results,
  );
}
