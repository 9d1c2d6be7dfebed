// @ts-check
import { request } from '../../lib/api.js';
import { announce, field, h, replaceChildren } from '../../lib/dom.js';
import { userText } from '../../lib/user-text.js';
import { dataTable, showError, timeCell } from './shared.js';

/**
 * Who an audit event names: the email when the account still exists (its id in the tooltip),
 * else the id.
 *
 * @param {string | null} id
 * @param {string | null | undefined} email
 */
function whoCell(id, email) {
  if (id === null) return h('td', {}, '—');
  if (!email) return h('td', { class: 'id', title: 'no such account now' }, id);
  return h('td', { title: id }, userText(email));
}

/** @param {import('./shared.js').AuditEvent} event */
function auditRow(event) {
  return h(
    'tr',
    {},
    timeCell(event.at),
    h('td', {}, h('code', {}, event.type)),
    whoCell(event.actorId, event.actorEmail),
    whoCell(event.subjectId, event.subjectEmail),
    h('td', {}, event.ip === null ? '—' : userText(event.ip)),
    h(
      'td',
      {},
      Object.keys(event.data).length
        ? h('code', { class: 'data' }, userText(JSON.stringify(event.data)))
        : '',
    ),
  );
}

/** The filter fields: user id, event type, how many. */
function auditFilters() {
  const userId = field({
    label: 'User id',
    name: 'userId',
    autocomplete: 'off',
    hint: 'Matches the actor or the subject.',
  });
  const type = field({
    label: 'Event type',
    name: 'type',
    autocomplete: 'off',
    hint: 'e.g. login.failure, session.revoked, alert.raised',
  });
  const limit = field({
    label: 'Show at most',
    name: 'limit',
    type: 'number',
    value: '50',
    inputmode: 'numeric',
  });
  limit.input.min = '1';
  limit.input.max = '500';
  return { userId, type, limit };
}

/** The audit log, filtered; `showUser` fills in a user id, shows their events and scrolls there. */
export function auditSection() {
  const { userId, type, limit } = auditFilters();
  const result = h('div', { class: 'form-result', 'aria-live': 'polite' });
  const results = h('div', {});

  async function load() {
    const params = new URLSearchParams();
    if (userId.input.value.trim()) params.set('userId', userId.input.value.trim());
    if (type.input.value.trim()) params.set('type', type.input.value.trim());
    params.set('limit', limit.input.value || '50');
    try {
      /** @type {{ events: import('./shared.js').AuditEvent[] }} */
      const { events } = await request('GET', `/admin/audit?${params}`);
      replaceChildren(result);
      replaceChildren(
        results,
        dataTable(
          'Audit events, newest first',
          ['Time', 'Event', 'Actor', 'Subject', 'IP', 'Details'],
          events.map(auditRow),
          'No events match.',
        ),
      );
      announce(`${events.length} audit event${events.length === 1 ? '' : 's'}.`);
    } catch (error) {
      showError(error, result);
    }
  }

  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        load();
      },
    },
    userId.wrapper,
    type.wrapper,
    limit.wrapper,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Show events')),
  );
  load();
  const section = h(
    'section',
    { class: 'card', 'aria-labelledby': 'audit-title', id: 'audit' },
    h('h2', { id: 'audit-title' }, 'Audit log'),
    form,
    result,
    results,
  );
  return {
    section,
    /** @param {string} id */
    showUser(id) {
      userId.input.value = id;
      load();
      section.scrollIntoView({ block: 'start' });
      userId.input.focus();
    },
  };
}
