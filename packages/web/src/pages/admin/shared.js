// @ts-check
// What the admin page's sections share: the shapes the admin API answers with, and table and
// notice helpers.
import { ApiError, describeError } from '../../lib/api.js';
import { h, notice, replaceChildren } from '../../lib/dom.js';
import { formatLocal } from '../../lib/format.js';

/**
 * @typedef {{ id: string, email: string, roles: string[], status: 'active' | 'suspended', createdAt: string }} AdminUser
 * @typedef {{ id: string, type: string, at: string, actorId: string | null, subjectId: string | null,
 *   sessionId: string | null, ip: string | null, data: Record<string, unknown>,
 *   actorEmail?: string | null, subjectEmail?: string | null }} AuditEvent
 * @typedef {{ kid: string, alg: string, status: string, createdAt: string, retiredAt: string | null }} KeyView
 * @typedef {{ kind: string, at: string, count: number, baseline: number, threshold: number }} AlertView
 * @typedef {{ now: string, bucketSeconds: number, buckets: import('../../lib/chart.js').ActivityBucket[],
 *   alerts: AlertView[], activeSessions: Record<string, number> | null }} Stats
 */

/**
 * A notice whose text holds user-supplied parts (`userText` nodes).
 *
 * @param {'success' | 'error' | 'info'} kind
 * @param {...(string | HTMLElement)} parts
 */
export function noticeWith(kind, ...parts) {
  return h('p', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...parts);
}

/** @param {unknown} error @param {HTMLElement} into */
export function showError(error, into) {
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
export function dataTable(caption, headers, rows, empty) {
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
export function timeCell(iso) {
  return h('td', {}, h('time', { datetime: iso }, formatLocal(Date.parse(iso))));
}
