// @ts-check
import { ApiError, describeError, request } from '../lib/api.js';
import { announce, h, notice, pageHeading, replaceChildren } from '../lib/dom.js';
import { formatLocal, formatRelative } from '../lib/format.js';
import { signOutEverywhere } from '../lib/session.js';
import { confirmAction } from '../lib/confirm.js';
import { describeUserAgent } from '../lib/user-agent.js';
import { revealText, userText } from '../lib/user-text.js';

/**
 * @typedef {{ id: string, strategy: string, createdAt: string, lastSeenAt: string, expiresAt?: string,
 *   userAgent: string | null, ip: string | null, current: boolean }} SessionSummary
 */

/**
 * One session as a card: device, where, when, and a button that signs it out.
 *
 * @param {SessionSummary} session
 * @param {number} now
 * @param {(session: SessionSummary, device: string) => void} onRevoke
 */
export function sessionCard(session, now, onRevoke) {
  const device = describeUserAgent(session.userAgent);
  const lastSeen = Date.parse(session.lastSeenAt);
  const created = Date.parse(session.createdAt);
  const titleId = `session-${session.id}`;
  return h(
    'li',
    { class: session.current ? 'card session session-current' : 'card session', 'aria-labelledby': titleId },
    h(
      'h3',
      { id: titleId },
      userText(device),
      session.current ? [' ', h('span', { class: 'badge' }, 'This device')] : null,
    ),
    h(
      'dl',
      { class: 'details' },
      h('dt', {}, 'IP address'),
      h('dd', {}, session.ip === null ? 'unknown' : userText(session.ip)),
      h('dt', {}, 'Last seen'),
      h(
        'dd',
        {},
        h(
          'time',
          { datetime: session.lastSeenAt, title: formatLocal(lastSeen) },
          formatRelative(lastSeen, now),
        ),
      ),
      h('dt', {}, 'Signed in'),
      h('dd', {}, h('time', { datetime: session.createdAt }, formatLocal(created))),
      h('dt', {}, 'Kind'),
      h('dd', {}, session.strategy),
    ),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'button-danger',
          'aria-describedby': titleId,
          onclick: () => onRevoke(session, revealText(device)),
        },
        session.current ? 'Sign out this device' : 'Sign out',
      ),
    ),
  );
}

/**
 * `/sessions`: every live session of the signed-in user. Signing out the current one signs this
 * page out; signing out another one takes effect at once for cookie sessions and within the
 * revocation feed's delay for tokens held by other services.
 *
 * @param {import('../main.js').App} app
 */
export async function renderSessions(app) {
  const list = h('ul', { class: 'cards', 'aria-label': 'Signed-in devices' });
  const result = h('div', { class: 'form-result', 'aria-live': 'polite' });

  async function load() {
    try {
      /** @type {{ sessions: SessionSummary[] }} */
      const { sessions } = await request('GET', '/auth/sessions');
      const now = Date.now();
      replaceChildren(list, ...sessions.map((session) => sessionCard(session, now, revoke)));
      return sessions.length;
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401))
        replaceChildren(result, notice('error', describeError(error)));
      return null;
    }
  }

  /** @param {SessionSummary} session @param {string} device */
  async function revoke(session, device) {
    try {
      await request('DELETE', `/auth/sessions/${encodeURIComponent(session.id)}`);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401))
        replaceChildren(result, notice('error', describeError(error)));
      return;
    }
    if (session.current) {
      app.signedOut('You signed out this device.');
      return;
    }
    await load();
    replaceChildren(result, notice('success', `Signed out ${device}.`));
    announce(`Signed out ${device}.`);
  }

  replaceChildren(
    app.main,
    pageHeading('My sessions'),
    h(
      'p',
      { class: 'lead' },
      'Every device and app signed in to your account. Sign out any you do not recognise, then change your password.',
    ),
    h(
      'div',
      { class: 'toolbar' },
      h(
        'button',
        {
          type: 'button',
          class: 'button-secondary',
          onclick: async () => {
            const count = await load();
            if (count !== null) {
              replaceChildren(result);
              announce(`${count} session${count === 1 ? '' : 's'}.`);
            }
          },
        },
        'Refresh',
      ),
      confirmAction({
        label: 'Sign out all devices…',
        ariaLabel: 'Sign out all devices',
        question: 'Every device, this one included, will have to sign in again.',
        confirmLabel: 'Sign out all devices now',
        onConfirm: async () => {
          try {
            await signOutEverywhere();
          } catch {
            // Forgotten locally either way.
          }
          app.signedOut('You signed out every device, this one included.');
        },
      }),
    ),
    result,
    list,
  );
  await load();
}
