// @ts-check
import { announce, field, focusHeading, h, notice, pageHeading, replaceChildren } from '../lib/dom.js';
import { register, signIn } from '../lib/session.js';
import { onSubmit } from '../lib/submit-form.js';

/**
 * Sign in and create an account, side by side. After signing in, the page the visitor asked for
 * is shown in place.
 *
 * @param {import('../main.js').App} app
 * @param {{ message?: string, kind?: 'info' | 'error' | 'success' }} [options]
 */
export function renderSignIn(app, options = {}) {
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
  const signInResult = h('div', { class: 'form-result', 'aria-live': 'polite' });
  const signInButton = h('button', { type: 'submit' }, 'Sign in');
  const signInForm = h(
    'form',
    {
      class: 'card form',
      'aria-labelledby': 'sign-in-title',
      onsubmit: onSubmit(
        signInButton,
        signInResult,
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
      signInButton,
      h('a', { href: '/reset', class: 'forgot-link' }, 'Forgot password?'),
    ),
    signInResult,
  );

  const newEmail = field({
    label: 'Email',
    name: 'new-email',
    type: 'email',
    autocomplete: 'email',
    required: true,
  });
  const newPassword = field({
    label: 'Password',
    name: 'new-password',
    type: 'password',
    autocomplete: 'new-password',
    required: true,
    minlength: 12,
    maxlength: 128,
    hint: '12 to 128 characters. A few unrelated words make a strong one.',
  });
  const registerResult = h('div', { class: 'form-result', 'aria-live': 'polite' });
  const registerButton = h('button', { type: 'submit', class: 'button-secondary' }, 'Create account');
  const registerForm = h(
    'form',
    {
      class: 'card form',
      'aria-labelledby': 'register-title',
      onsubmit: onSubmit(registerButton, registerResult, async () => {
        await register(newEmail.input.value, newPassword.input.value);
        // The server answers the same whether or not the email was taken, so the page does too.
        replaceChildren(
          registerResult,
          notice('success', 'Done. If this email was new, the account exists now: sign in with it.'),
        );
        email.input.value = newEmail.input.value;
        newPassword.input.value = '';
      }),
    },
    h('h2', { id: 'register-title' }, 'Create an account'),
    newEmail.wrapper,
    newPassword.wrapper,
    h('div', { class: 'actions' }, registerButton),
    registerResult,
  );

  replaceChildren(
    app.main,
    pageHeading('Sign in to Gatehouse'),
    options.message ? notice(options.kind ?? 'info', options.message) : null,
    h('div', { class: 'grid-2' }, signInForm, registerForm),
  );
}
