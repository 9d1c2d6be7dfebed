// @ts-check
import { ApiError, describeError, request } from '../lib/api.js';
import { announce, field, focusHeading, h, notice, pageHeading, replaceChildren } from '../lib/dom.js';
import { onSubmit } from '../lib/submit-form.js';

/**
 * `/reset`: "forgot password". Without a token, ask for the email and request a link; the mailed
 * link is `/reset#token=…` (a fragment: the browser never sends it to a server), and opening it
 * shows the form that sets a new password with that token.
 *
 * @param {import('../main.js').App} app
 */
export function renderReset(app) {
  const token = readTokenFromFragment();
  if (token) renderNewPassword(app, token);
  else renderRequest(app);
  // The mailed link opened in a tab already at /reset changes only the fragment: no page load.
  const onHashChange = () => {
    const next = readTokenFromFragment();
    if (next) {
      renderNewPassword(app, next);
      focusHeading(app.main);
    }
  };
  window.addEventListener('hashchange', onHashChange);
  app.onLeave(() => window.removeEventListener('hashchange', onHashChange));
}

/**
 * The token from `#token=…`, removed from the address bar and history at once, so it is not left
 * behind in the tab's history or copied along with the URL.
 *
 * @returns {string | null}
 */
function readTokenFromFragment() {
  const match = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (!match) return null;
  history.replaceState(null, '', location.pathname);
  const token = decodeURIComponent(match[1] ?? '');
  return token === '' ? null : token;
}

/** @param {import('../main.js').App} app */
function renderRequest(app) {
  const email = field({
    label: 'Email',
    name: 'email',
    type: 'email',
    autocomplete: 'username',
    required: true,
  });
  const result = h('div', { class: 'form-result', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit' }, 'Send the link');
  const form = h(
    'form',
    {
      class: 'card form',
      'aria-labelledby': 'reset-request-title',
      onsubmit: onSubmit(button, result, async () => {
        await request('POST', '/auth/password/reset/request', {
          body: { email: email.input.value },
          anonymous: true,
        });
        // The server answers the same for any email, so the page does too.
        const message =
          'If an active account uses this email, a link to set a new password is on its way. It works once, for 15 minutes.';
        // The form's live region says it; no second announcement.
        replaceChildren(result, notice('success', message));
      }),
    },
    h('h2', { id: 'reset-request-title' }, 'Get a link to set a new password'),
    email.wrapper,
    h('div', { class: 'actions' }, button),
    result,
  );
  replaceChildren(
    app.main,
    pageHeading('Forgot your password?'),
    form,
    h('p', {}, h('a', { href: '/' }, 'Back to sign in')),
  );
}

/**
 * @param {import('../main.js').App} app
 * @param {string} token
 */
function renderNewPassword(app, token) {
  const password = field({
    label: 'New password',
    name: 'new-password',
    type: 'password',
    autocomplete: 'new-password',
    required: true,
    minlength: 12,
    maxlength: 128,
    hint: '12 to 128 characters. Every device signed in to this account is signed out.',
  });
  const result = h('div', { class: 'form-result', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit' }, 'Set the new password');
  const form = h(
    'form',
    {
      class: 'card form',
      'aria-labelledby': 'reset-confirm-title',
      onsubmit: onSubmit(button, result, async () => {
        try {
          await request('POST', '/auth/password/reset/confirm', {
            body: { token, newPassword: password.input.value },
            anonymous: true,
          });
        } catch (error) {
          if (error instanceof ApiError && error.code === 'invalid_reset_token') {
            renderExpired(app);
            return;
          }
          throw error;
        }
        password.input.value = '';
        replaceChildren(
          app.main,
          pageHeading('Password changed'),
          notice('success', 'Your new password is set, and every device was signed out. Sign in with it.'),
          h('p', {}, h('a', { href: '/' }, 'Sign in')),
        );
        focusHeading(app.main);
        announce('Password changed.');
      }),
    },
    h('h2', { id: 'reset-confirm-title' }, 'Choose a new password'),
    password.wrapper,
    h('div', { class: 'actions' }, button),
    result,
  );
  replaceChildren(app.main, pageHeading('Set a new password'), form);
}

/** @param {import('../main.js').App} app */
function renderExpired(app) {
  replaceChildren(
    app.main,
    pageHeading('This link no longer works'),
    notice('error', describeError(new ApiError(400, 'invalid_reset_token'))),
    h('p', {}, h('a', { href: '/reset' }, 'Request a new link')),
  );
  focusHeading(app.main);
}
