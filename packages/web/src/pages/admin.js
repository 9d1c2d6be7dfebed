// @ts-check
import { ApiError, describeError, request } from '../lib/api.js';
import { renderActivityChart, SERIES } from '../lib/chart.js';
import { announce, field, h, notice, pageHeading, replaceChildren } from '../lib/dom.js';
import { formatLocal, formatRelative } from '../lib/format.js';
import { currentUser, isAdmin } from '../lib/session.js';
import { describeUserAgent } from '../lib/user-agent.js';
import { confirmAction } from '../lib/confirm.js';
import { revealText, userText } from '../lib/user-text.js';

/**
 * @typedef {{ id: string, email: string, roles: string[], status: 'active' | 'suspended', createdAt: string }} AdminUser
 * @typedef {{ id: string, type: string, at: string, actorId: string | null, subjectId: string | null,
 *   sessionId: string | null, ip: string | null, data: Record<string, unknown>,
 *   actorEmail?: string | null, subjectEmail?: string | null }} AuditEvent
 * @typedef {{ kid: string, alg: string, status: string, createdAt: string, retiredAt: string | null }} KeyView
 * @typedef {{ kind: string, at: string, count: number, baseline: number, threshold: number }} AlertView
 * @typedef {{ now: string, bucketSeconds: number, buckets: import('../lib/chart.js').ActivityBucket[],
 *   alerts: AlertView[], activeSessions: Record<string, number> | null }} Stats
 */

const POLL_MS = 5000;
/** Users per page of the admin list. */
const USERS_PAGE = 50;

/**
 * A notice whose text holds user-supplied parts (`userText` nodes).
 *
 * @param {'success' | 'error' | 'info'} kind
 * @param {...(string | HTMLElement)} parts
 */
function noticeWith(kind, ...parts) {
  return h('p', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...parts);
}

/** @param {unknown} error @param {HTMLElement} into */
function showError(error, into) {
  // A lost session is handled by the shell (the page turns into the sign-in form).
  if (error instanceof ApiError && error.status === 401) return;
  replaceChildren(into, notice('error', describeError(error)));
}

/**
 * A table in a keyboard-scrollable region (narrow screens scroll it sideways).
 *
 * @param {string} caption
 * @param {string[]} headers
 * @param {HTMLTableRowElement[]} rows
 * @param {string} empty what to say when there are no rows
 */
function dataTable(caption, headers, rows, empty) {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty);
  return h(
    'div',
    { class: 'table-scroll', role: 'region', 'aria-label': caption, tabindex: 0 },
    h(
      'table',
      {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, ...headers.map((header) => h('th', { scope: 'col' }, header)))),
      h('tbody', {}, ...rows),
    ),
  );
}

/** @param {string} iso */
function timeCell(iso) {
  return h('td', {}, h('time', { datetime: iso }, formatLocal(Date.parse(iso))));
}

/**
 * Live activity: polls `GET /admin/stats` every few seconds while the page is visible, and can be
 * paused (moving content must be stoppable).
 *
 * @param {import('../main.js').App} app
 */
function activitySection(app) {
  const chartBox = h('div', { class: 'chart-box' });
  const summary = h('div', { class: 'stats-summary' });
  const alertsBox = h('div', {});
  const result = h('div', { class: 'form-result' });
  const updated = h('p', { class: 'hint', 'aria-live': 'off' });
  let paused = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const pauseButton = h(
    'button',
    { type: 'button', class: 'button-secondary', 'aria-pressed': 'false' },
    'Pause updates',
  );

  /** @param {Stats} stats */
  function draw(stats) {
    replaceChildren(chartBox, renderActivityChart(stats.buckets, stats.bucketSeconds));
    const totals = SERIES.map(({ key, label }) => ({
      key,
      label,
      total: stats.buckets.reduce((sum, bucket) => sum + bucket[key], 0),
    }));
    const sessions = stats.activeSessions;
    replaceChildren(
      summary,
      h(
        'ul',
        { class: 'legend', 'aria-label': 'Totals over the chart’s window' },
        ...totals.map(({ key, label, total }) =>
          h(
            'li',
            {},
            h('span', { class: `swatch series-${key}`, 'aria-hidden': 'true' }),
            `${label}: `,
            h('strong', {}, total),
          ),
        ),
      ),
      h(
        'p',
        {},
        'Active sessions: ',
        sessions
          ? h(
              'strong',
              { class: 'active-sessions' },
              `${sessions.session ?? 0} cookie · ${sessions.hybrid ?? 0} hybrid · ${sessions.token ?? 0} token`,
            )
          : 'unavailable',
      ),
    );
    replaceChildren(
      alertsBox,
      h('h3', {}, 'Recent alerts'),
      stats.alerts.length === 0
        ? h('p', { class: 'empty' }, 'No alerts since this server started.')
        : h(
            'ul',
            { class: 'alerts' },
            ...stats.alerts.map((alert) =>
              h(
                'li',
                {},
                h('strong', {}, alert.kind.replaceAll('_', ' ')),
                ` · ${alert.count} in the bucket (threshold ${alert.threshold}, baseline ${alert.baseline}) · `,
                h('time', { datetime: alert.at }, formatRelative(Date.parse(alert.at), Date.now())),
              ),
            ),
          ),
    );
    updated.textContent = `Updated ${new Date(stats.now).toLocaleTimeString()}.`;
  }

  async function poll() {
    timer = undefined;
    if (!paused && !document.hidden) {
      try {
        draw(await request('GET', '/admin/stats'));
        replaceChildren(result);
      } catch (error) {
        showError(error, result);
        if (error instanceof ApiError && error.status === 401) return;
      }
    }
    timer = setTimeout(poll, POLL_MS);
  }

  pauseButton.addEventListener('click', () => {
    paused = !paused;
    pauseButton.textContent = paused ? 'Resume updates' : 'Pause updates';
    pauseButton.setAttribute('aria-pressed', String(paused));
    announce(paused ? 'Updates paused.' : 'Updates resumed.');
  });
  app.onLeave(() => clearTimeout(timer));
  poll();

  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'activity-title' },
    h('h2', { id: 'activity-title' }, 'Live activity'),
    h(
      'p',
      { class: 'hint' },
      `This server, last ten minutes, refreshed every ${POLL_MS / 1000} seconds. Red lines mark alerts.`,
    ),
    h('div', { class: 'toolbar' }, pauseButton),
    result,
    chartBox,
    summary,
    updated,
    alertsBox,
  );
}

/** @param {import('../main.js').App} _app @param {(userId: string) => void} showAudit */
function usersSection(_app, showAudit) {
  const search = field({ label: 'Search by email', name: 'query', type: 'search', autocomplete: 'off' });
  const result = h('div', { class: 'form-result', 'aria-live': 'polite' });
  const results = h('div', {});

  /** @param {AdminUser} user @param {HTMLTableCellElement} into */
  async function showSessions(user, into) {
    try {
      /** @type {{ sessions: import('./sessions.js').SessionSummary[] }} */
      const { sessions } = await request('GET', `/admin/users/${encodeURIComponent(user.id)}/sessions`);
      const now = Date.now();
      replaceChildren(
        into,
        h('h3', {}, 'Sessions of ', userText(user.email)),
        sessions.length === 0
          ? h('p', { class: 'empty' }, 'No live sessions.')
          : h(
              'ul',
              { class: 'plain' },
              ...sessions.map((session) =>
                h(
                  'li',
                  {},
                  userText(describeUserAgent(session.userAgent)),
                  ` · ${session.strategy} · `,
                  session.ip === null ? 'unknown IP' : userText(session.ip),
                  ' · last seen ',
                  h(
                    'time',
                    { datetime: session.lastSeenAt },
                    formatRelative(Date.parse(session.lastSeenAt), now),
                  ),
                ),
              ),
            ),
        sessions.length === 0
          ? null
          : confirmAction({
              label: 'Sign out all sessions…',
              ariaLabel: `Sign out all sessions of ${revealText(user.email)}`,
              question: userText(user.email),
              confirmLabel: 'Sign out all their sessions now',
              onConfirm: async () => {
                try {
                  await request('DELETE', `/admin/users/${encodeURIComponent(user.id)}/sessions`);
                  announce(`Signed out every session of ${revealText(user.email)}.`);
                  await showSessions(user, into);
                } catch (error) {
                  showError(error, result);
                }
              },
            }),
      );
    } catch (error) {
      showError(error, result);
    }
  }

  /** @param {AdminUser} user */
  function userRows(user) {
    const detail = h('td', { colspan: 5, class: 'detail' });
    const detailRow = h('tr', { hidden: true }, detail);
    const suspended = user.status === 'suspended';
    const email = revealText(user.email);
    const isSelf = user.id === currentUser()?.id;
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
        await load();
      } catch (error) {
        showError(error, result);
      }
    };
    /** Suspending asks first; unsuspending gives access back, so it acts at once. Never on oneself. */
    const statusControl = isSelf
      ? h('span', { class: 'hint' }, 'you')
      : suspended
        ? h(
            'button',
            {
              type: 'button',
              class: 'button-secondary',
              'aria-label': `Unsuspend ${email}`,
              onclick: changeStatus,
            },
            'Unsuspend',
          )
        : confirmAction({
            label: 'Suspend…',
            ariaLabel: `Suspend ${email}`,
            question: userText(user.email),
            confirmLabel: 'Suspend now',
            onConfirm: changeStatus,
          });
    const row = h(
      'tr',
      {},
      h('td', { class: 'email' }, userText(user.email)),
      h('td', {}, h('span', { class: suspended ? 'badge badge-warn' : 'badge badge-ok' }, user.status)),
      h('td', {}, user.roles.join(', ') || '—'),
      timeCell(user.createdAt),
      h(
        'td',
        { class: 'row-actions' },
        statusControl,
        h(
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
              if (open) await showSessions(user, detail);
            },
          },
          'Sessions',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'button-quiet',
            'aria-label': `Audit log of ${email}`,
            onclick: () => showAudit(user.id),
          },
          'Audit',
        ),
      ),
    );
    return [row, detailRow];
  }

  let offset = 0;
  /** The query of the page shown: paging keeps it even if the search box was edited meanwhile. */
  let shownQuery = '';

  async function load() {
    try {
      const params = new URLSearchParams({ limit: String(USERS_PAGE), offset: String(offset) });
      if (shownQuery) params.set('query', shownQuery);
      /** @type {{ users: AdminUser[], total: number }} */
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
      const pager =
        total > USERS_PAGE
          ? h(
              'div',
              { class: 'toolbar pager' },
              h(
                'button',
                {
                  type: 'button',
                  class: 'button-secondary',
                  disabled: offset === 0,
                  onclick: () => {
                    offset = Math.max(0, offset - USERS_PAGE);
                    load();
                  },
                },
                'Previous page',
              ),
              h(
                'button',
                {
                  type: 'button',
                  class: 'button-secondary',
                  disabled: last >= total,
                  onclick: () => {
                    offset += USERS_PAGE;
                    load();
                  },
                },
                'Next page',
              ),
            )
          : null;
      replaceChildren(
        results,
        h('p', { class: 'user-count', role: 'status' }, `${what}${range}.`),
        dataTable(
          'Users',
          ['Email', 'Status', 'Roles', 'Created', 'Actions'],
          users.flatMap(userRows),
          'No users match.',
        ),
        pager,
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

function auditSection() {
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
  const result = h('div', { class: 'form-result', 'aria-live': 'polite' });
  const results = h('div', {});

  async function load() {
    const params = new URLSearchParams();
    if (userId.input.value.trim()) params.set('userId', userId.input.value.trim());
    if (type.input.value.trim()) params.set('type', type.input.value.trim());
    params.set('limit', limit.input.value || '50');
    try {
      /** @type {{ events: AuditEvent[] }} */
      const { events } = await request('GET', `/admin/audit?${params}`);
      replaceChildren(result);
      replaceChildren(
        results,
        dataTable(
          'Audit events, newest first',
          ['Time', 'Event', 'Actor', 'Subject', 'IP', 'Details'],
          events.map((event) =>
            h(
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
            ),
          ),
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

function keysSection() {
  const result = h('div', { class: 'form-result', 'aria-live': 'polite' });
  const results = h('div', {});

  /** @param {KeyView} key */
  function revokeButton(key) {
    const cell = h('td', { class: 'row-actions' });
    const ask = () =>
      replaceChildren(
        cell,
        h(
          'button',
          {
            type: 'button',
            class: 'button-danger',
            onclick: async () => {
              try {
                await request('POST', `/admin/keys/${encodeURIComponent(key.kid)}/revoke`);
                replaceChildren(
                  result,
                  notice('success', `Key ${key.kid} revoked: tokens it signed are refused.`),
                );
                await load();
              } catch (error) {
                showError(error, result);
              }
            },
          },
          `Revoke ${key.kid} now`,
        ),
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

  async function load() {
    try {
      /** @type {{ keys: KeyView[] }} */
      const { keys } = await request('GET', '/admin/keys');
      replaceChildren(
        results,
        dataTable(
          'Signing keys, newest first',
          ['Key id', 'Algorithm', 'Status', 'Created', 'Retired', ''],
          keys.map((key) =>
            h(
              'tr',
              {},
              h('td', { class: 'id' }, key.kid),
              h('td', {}, key.alg),
              h(
                'td',
                {},
                h('span', { class: key.status === 'active' ? 'badge badge-ok' : 'badge' }, key.status),
              ),
              timeCell(key.createdAt),
              key.retiredAt ? timeCell(key.retiredAt) : h('td', {}, '—'),
              revokeButton(key),
            ),
          ),
          'No keys.',
        ),
      );
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
    h(
      'div',
      { class: 'toolbar' },
      h(
        'button',
        {
          type: 'button',
          onclick: async () => {
            try {
              const { kid } = await request('POST', '/admin/keys/rotate');
              replaceChildren(result, notice('success', `Rotated: ${kid} signs from now on.`));
              await load();
            } catch (error) {
              showError(error, result);
            }
          },
        },
        'Rotate now',
      ),
    ),
    result,
    results,
  );
}

/**
 * `/admin`: live activity, users, audit log and signing keys, for holders of the admin role.
 *
 * @param {import('../main.js').App} app
 */
export function renderAdmin(app) {
  if (!isAdmin(currentUser())) {
    replaceChildren(
      app.main,
      pageHeading('Admin'),
      notice('error', 'You need the admin role to see this page.'),
    );
    return;
  }
  const audit = auditSection();
  replaceChildren(
    app.main,
    pageHeading('Admin'),
    h(
      'nav',
      { class: 'toc', 'aria-label': 'On this page' },
      h(
        'ul',
        {},
        h('li', {}, h('a', { href: '#activity-title' }, 'Live activity')),
        h('li', {}, h('a', { href: '#users-title' }, 'Users')),
        h('li', {}, h('a', { href: '#audit-title' }, 'Audit log')),
        h('li', {}, h('a', { href: '#keys-title' }, 'Signing keys')),
      ),
    ),
    activitySection(app),
    usersSection(app, audit.showUser),
    audit.section,
    keysSection(),
  );
}
