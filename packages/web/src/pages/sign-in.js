// @ts-check
import { announce, field, focusHeading, h, notice, pageHeading, replaceChildren } from '../lib/dom.js';
import { register, signIn } from '../lib/session.js';
import { onSubmit } from '../lib/submit-form.js';

/**
 * The sign-in form; its email field is returned too, for the account form to fill in.
 *
 * @param {import('../main.js').App} app
 */
function signInForm(app) {
  const email = field({
    label: 'Email',
    name: 'email',
    type: 'email',
    autocomplete: 'username',
    required: true,
  });
  const password = field({
    label: 'Password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    maxlength: 128,
  });
  const result = h('div', { class: 'form-result', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'card form',
      'aria-labelledby': 'sign-in-title',
      onsubmit: onSubmit(
        button,
        result,
        async () => {
          const signedIn = await signIn(email.input.value, password.input.value);
          password.input.value = '';
          await app.render();
          focusHeading(app.main);
          announce(`Signed in as ${signedIn?.user.email ?? email.input.value}.`);
        },
        () => password.input.focus(),
      ),
    },
    h('h2', { id: 'sign-in-title' }, 'Sign in'),
    email.wrapper,
    password.wrapper,
    h(
      'div',
      { class: 'actions' },
      button,
      h('a', { href: '/reset', class: 'forgot-link' }, 'Forgot password?'),
    ),
    result,
  );
  return { form, email: email.input };
}

/**
 * The create-an-account form.
 *
 * @param {(email: string) => void} onRegistered called with the email once the server has answered
 */
function registerForm(onRegistered) {
  const email = field({
    label: 'Email',
    name: 'new-email',
    type: 'email',
    autocomplete: 'email',
    required: true,
  });
  const password = field({
    label: 'Password',
    name: 'new-password',
    type: 'password',
    autocomplete: 'new-password',
    required: true,
    minlength: 12,
    maxlength: 128,
    hint: '12 to 128 characters. A few unrelated words make a strong one.',
  });
  const result = h('div', { class: 'form-result', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', class: 'button-secondary' }, 'Create account');
  return h(
    'form',
    {
      class: 'card form',
      'aria-labelledby': 'register-title',
      onsubmit: onSubmit(button, result, async () => {
        await register(email.input.value, password.input.value);
        // The server answers the same whether or not the email was taken, so the page does too.
        replaceChildren(
          result,
          notice('success', 'Done. If this email was new, the account exists now: sign in with it.'),
        );
        onRegistered(email.input.value);
        password.input.value = '';
      }),
    },
    h('h2', { id: 'register-title' }, 'Create an account'),
    email.wrapper,
    password.wrapper,
    h('div', { class: 'actions' }, button),
    result,
  );
}

/**
 * Sign in and create an account, side by side. After signing in, the page the visitor asked for
 * is shown in place.
 *
 * @param {import('../main.js').App} app
 * @param {{ message?: string, kind?: 'info' | 'error' | 'success' }} [options]
 */
export function renderSignIn(app, options = {}) {
  const signInPart = signInForm(app);
  const registerPart = registerForm((email) => {
    signInPart.email.value = email;
  });
  replaceChildren(
    app.main,
    pageHeading('Sign in to Gatehouse'),
    options.message ? notice(options.kind ?? 'info', options.message) : null,
    h('div', { class: 'grid-2' }, signInPart.form, registerPart),
  );
}
