// @ts-check
import { request } from '../../lib/api.js';
import { confirmAction } from '../../lib/confirm.js';
import { h, replaceChildren } from '../../lib/dom.js';
import { currentUser } from '../../lib/session.js';
import { revealText, userText } from '../../lib/user-text.js';
import { showUserSessions } from './user-sessions.js';
import { noticeWith, showError, timeCell } from './shared.js';

/**
 * @typedef {object} UserRowContext
 * @property {HTMLElement} result where outcomes and errors are shown
 * @property {() => Promise<void>} reload shows the list again (after a status change)
 * @property {(userId: string) => void} showAudit
 */

/**
 * Suspending asks first; unsuspending gives access back, so it acts at once. Never on oneself.
 *
 * @param {import('./shared.js').AdminUser} user
 * @param {UserRowContext} context
 */
function statusControl(user, { result, reload }) {
  if (user.id === currentUser()?.id) return h('span', { class: 'hint' }, 'you');
  const suspended = user.status === 'suspended';
  const email = revealText(user.email);
  const changeStatus = async () => {
    try {
      await request(
        'POST',
        `/admin/users/${encodeURIComponent(user.id)}/${suspended ? 'unsuspend' : 'suspend'}`,
      );
      replaceChildren(
        result,
        noticeWith('success', userText(user.email), suspended ? ' is active again.' : ' is suspended.'),
      );
      await reload();
    } catch (error) {
      showError(error, result);
    }
  };
  if (suspended)
    return h(
      'button',
      {
        type: 'button',
        class: 'button-secondary',
        'aria-label': `Unsuspend ${email}`,
        onclick: changeStatus,
      },
      'Unsuspend',
    );
  return confirmAction({
    label: 'Suspend…',
    ariaLabel: `Suspend ${email}`,
    question: userText(user.email),
    confirmLabel: 'Suspend now',
    onConfirm: changeStatus,
  });
}

/**
 * A user's row of the list, and the hidden row below it where their sessions open.
 *
 * @param {import('./shared.js').AdminUser} user
 * @param {UserRowContext} context
 */
export function userRows(user, context) {
  const detail = h('td', { colspan: 5, class: 'detail' });
  const detailRow = h('tr', { hidden: true }, detail);
  const email = revealText(user.email);
  const sessionsButton = h(
    'button',
    {
      type: 'button',
      class: 'button-secondary',
      'aria-expanded': 'false',
      'aria-label': `Sessions of ${email}`,
      onclick: async (/** @type {MouseEvent} */ event) => {
        const button = /** @type {HTMLButtonElement} */ (event.currentTarget);
        const open = detailRow.hidden;
        detailRow.hidden = !open;
        button.setAttribute('aria-expanded', String(open));
        if (open) await showUserSessions(user, detail, context.result);
      },
    },
    'Sessions',
  );
  const auditButton = h(
    'button',
    {
      type: 'button',
      class: 'button-quiet',
      'aria-label': `Audit log of ${email}`,
      onclick: () => context.showAudit(user.id),
    },
    'Audit',
  );
  const statusClass = user.status === 'suspended' ? 'badge badge-warn' : 'badge badge-ok';
  const row = h(
    'tr',
    {},
    h('td', { class: 'email' }, userText(user.email)),
    h('td', {}, h('span', { class: statusClass }, user.status)),
    h('td', {}, user.roles.join(', ') || '—'),
    timeCell(user.createdAt),
    h('td', { class: 'row-actions' }, statusControl(user, context), sessionsButton, auditButton),
  );
  return [row, detailRow];
}
