// @ts-check
import { request } from '../../lib/api.js';
import { confirmAction } from '../../lib/confirm.js';
import { announce, h, replaceChildren } from '../../lib/dom.js';
import { formatRelative } from '../../lib/format.js';
import { describeUserAgent } from '../../lib/user-agent.js';
import { revealText, userText } from '../../lib/user-text.js';
import { showError } from './shared.js';

/**
 * One line per live session: device, strategy, IP, last seen.
 *
 * @param {import('../sessions.js').SessionSummary[]} sessions
 */
function sessionList(sessions) {
  if (sessions.length === 0) return h('p', { class: 'empty' }, 'No live sessions.');
  const now = Date.now();
  return h(
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
        h('time', { datetime: session.lastSeenAt }, formatRelative(Date.parse(session.lastSeenAt), now)),
      ),
    ),
  );
}

/**
 * Shows a user's live sessions in `into`, with a confirmed "sign out all"; errors go to `result`.
 *
 * @param {import('./shared.js').AdminUser} user
 * @param {HTMLElement} into
 * @param {HTMLElement} result
 * @returns {Promise<void>}
 */
export async function showUserSessions(user, into, result) {
  const path = `/admin/users/${encodeURIComponent(user.id)}/sessions`;
  try {
    /** @type {{ sessions: import('../sessions.js').SessionSummary[] }} */
    const { sessions } = await request('GET', path);
    replaceChildren(
      into,
      h('h3', {}, 'Sessions of ', userText(user.email)),
      sessionList(sessions),
      sessions.length === 0
        ? null
        : confirmAction({
            label: 'Sign out all sessions…',
            ariaLabel: `Sign out all sessions of ${revealText(user.email)}`,
            question: userText(user.email),
            confirmLabel: 'Sign out all their sessions now',
            onConfirm: async () => {
              try {
                await request('DELETE', path);
                announce(`Signed out every session of ${revealText(user.email)}.`);
                await showUserSessions(user, into, result);
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
