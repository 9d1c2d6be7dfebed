// @ts-check
import { request } from '../../lib/api.js';
import { announce, field, h, replaceChildren } from '../../lib/dom.js';
import { userRows } from './user-row.js';
import { dataTable, showError } from './shared.js';

/** Users per page of the admin list. */
const USERS_PAGE = 50;

/**
 * Previous and next buttons, each disabled at its end of the list.
 *
 * @param {{ offset: number, last: number, total: number }} page
 * @param {(by: number) => void} turn moves the list by `by` users and shows it
 */
function pager({ offset, last, total }, turn) {
  /** @param {string} label @param {boolean} disabled @param {number} by */
  const button = (label, disabled, by) =>
    h('button', { type: 'button', class: 'button-secondary', disabled, onclick: () => turn(by) }, label);
  return h(
    'div',
    { class: 'toolbar pager' },
    button('Previous page', offset === 0, -USERS_PAGE),
    button('Next page', last >= total, USERS_PAGE),
  );
}

/** @param {import('../../main.js').App} _app @param {(userId: string) => void} showAudit */
export function usersSection(_app, showAudit) {
  const search = field({ label: 'Search by email', name: 'query', type: 'search', autocomplete: 'off' });
  const result = h('div', { class: 'form-result', 'aria-live': 'polite' });
  const results = h('div', {});
  const rowContext = { result, reload: load, showAudit };
  let offset = 0;
  /** The query of the page shown: paging keeps it even if the search box was edited meanwhile. */
  let shownQuery = '';

  /** @param {number} by */
  function turn(by) {
    offset = Math.max(0, offset + by);
    load();
  }

  /** @returns {Promise<void>} */
  async function load() {
    try {
      const params = new URLSearchParams({ limit: String(USERS_PAGE), offset: String(offset) });
      if (shownQuery) params.set('query', shownQuery);
      /** @type {{ users: import('./shared.js').AdminUser[], total: number }} */
      const { users, total } = await request('GET', `/admin/users?${params}`);
      if (users.length === 0 && offset > 0 && total > 0) {
        // The last page emptied (a user deleted meanwhile): show the last one there is.
        offset = Math.max(0, Math.floor((total - 1) / USERS_PAGE) * USERS_PAGE);
        return load();
      }
      const first = users.length === 0 ? 0 : offset + 1;
      const last = offset + users.length;
      const what = `${total} user${total === 1 ? '' : 's'}${shownQuery ? ' match' : ''}`;
      const range = total > users.length ? `; showing ${first}–${last}` : '';
      const rows = users.flatMap((user) => userRows(user, rowContext));
      replaceChildren(
        results,
        h('p', { class: 'user-count', role: 'status' }, `${what}${range}.`),
        dataTable('Users', ['Email', 'Status', 'Roles', 'Created', 'Actions'], rows, 'No users match.'),
        total > USERS_PAGE ? pager({ offset, last, total }, turn) : null,
      );
      announce(`${what}${range}.`);
    } catch (error) {
      showError(error, result);
    }
  }

  const form = h(
    'form',
    {
      class: 'inline-form',
      role: 'search',
      onsubmit: (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        replaceChildren(result);
        offset = 0;
        shownQuery = search.input.value.trim();
        load();
      },
    },
    search.wrapper,
    h('button', { type: 'submit' }, 'Search'),
  );
  load();
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'users-title' },
    h('h2', { id: 'users-title' }, 'Users'),
    form,
    result,
    results,
  );
}
