// @ts-check
import { announce, field, h, notice, pageHeading, replaceChildren } from '../lib/dom.js';
import { formatLocal, formatRelative } from '../lib/format.js';
import { changePassword, currentSession, currentUser, isAdmin } from '../lib/session.js';
import { onSubmit } from '../lib/submit-form.js';
import { userText } from '../lib/user-text.js';
import { renderSignIn } from './sign-in.js';

/**
 * `/`: the sign-in page, or, once signed in, the account: who, which session, password change.
 *
 * @param {import('../main.js').App} app
 */
export function renderHome(app) {
  const user = currentUser();
  const session = currentSession();
  if (!user || !session) {
    renderSignIn(app);
    return;
  }
  const now = Date.now();
  const details = h(
    'dl',
    { class: 'details' },
    h('dt', {}, 'Email'),
    h('dd', { class: 'signed-in-email' }, userText(user.email)),
    h('dt', {}, 'Roles'),
    h('dd', {}, user.roles.length > 0 ? user.roles.join(', ') : 'none'),
    h('dt', {}, 'This session'),
    h('dd', {}, `${session.strategy} · started ${formatRelative(Date.parse(session.createdAt), now)}`),
    h('dt', {}, 'Ends if unused'),
    h('dd', {}, h('time', { datetime: session.expiresAt }, formatLocal(Date.parse(session.expiresAt)))),
  );

  const current = field({
    label: 'Current password',
    name: 'current-password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    maxlength: 128,
  });
  const next = field({
    label: 'New password',
    name: 'new-password',
    type: 'password',
    autocomplete: 'new-password',
    required: true,
    minlength: 12,
    maxlength: 128,
    hint: '12 to 128 characters. Your other devices are signed out.',
  });
  const result = h('div', { class: 'form-result', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit' }, 'Change password');
  const passwordForm = h(
    'form',
    {
      class: 'card form',
      'aria-labelledby': 'password-title',
      onsubmit: onSubmit(button, result, async () => {
        await changePassword(current.input.value, next.input.value);
        current.input.value = '';
        next.input.value = '';
        replaceChildren(result, notice('success', 'Password changed. Every other device was signed out.'));
        announce('Password changed.');
      }),
    },
    h('h2', { id: 'password-title' }, 'Change password'),
    current.wrapper,
    next.wrapper,
    h('div', { class: 'actions' }, button),
    result,
  );

  replaceChildren(
    app.main,
    pageHeading('Your account'),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'account-title' },
      h('h2', { id: 'account-title' }, 'Signed in'),
      details,
    ),
    h(
      'nav',
      { class: 'card links', 'aria-label': 'Account pages' },
      h('ul', {}, [
        h('li', {}, h('a', { href: '/sessions' }, 'See and sign out your devices')),
        isAdmin(user) ? h('li', {}, h('a', { href: '/admin' }, 'Administration')) : null,
        h('li', {}, h('a', { href: '/tools' }, 'Decode a token, base64, timestamps')),
      ]),
    ),
    passwordForm,
  );
}
