// @ts-check
import { describeError, whenSessionLost } from './lib/api.js';
import { announce, focusHeading, h, notice, replaceChildren } from './lib/dom.js';
import { currentUser, forgetSession, isAdmin, loadSession, signOut } from './lib/session.js';
import { userText } from './lib/user-text.js';
import { renderAdmin } from './pages/admin.js';
import { renderHome } from './pages/home.js';
import { renderReset } from './pages/reset.js';
import { renderSessions } from './pages/sessions.js';
import { renderSignIn } from './pages/sign-in.js';
import { renderTools } from './pages/tools.js';

/**
 * The page shell: which view a path shows, the navigation, and what happens when the session
 * ends under our feet. Each path is a real URL served by the server (`/`, `/sessions`, `/admin`,
 * `/tools`); links are plain links.
 *
 * @typedef {{
 *   main: HTMLElement,
 *   render: () => Promise<void>,
 *   signedOut: (message: string) => void,
 *   onLeave: (cleanup: () => void) => void,
 *   refreshNav: () => void,
 * }} App
 * @typedef {(app: App) => void | Promise<void>} Page
 */

/** @type {Readonly<Record<string, { title: string, page: Page, needsSignIn: boolean }>>} */
const ROUTES = {
  '/': { title: 'Account', page: renderHome, needsSignIn: false },
  '/sessions': { title: 'My sessions', page: renderSessions, needsSignIn: true },
  '/admin': { title: 'Admin', page: renderAdmin, needsSignIn: true },
  '/tools': { title: 'Token tools', page: renderTools, needsSignIn: false },
  '/reset': { title: 'Reset password', page: renderReset, needsSignIn: false },
};

const path = location.pathname.replace(/\/+$/, '') || '/';
const route = ROUTES[path] ?? ROUTES['/'];
const main = /** @type {HTMLElement} */ (document.getElementById('main'));
/** @type {(() => void)[]} */
let cleanups = [];

function leave() {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
}

function refreshNav() {
  const nav = document.getElementById('nav');
  const account = document.getElementById('account');
  if (!nav || !account) return;
  const user = currentUser();
  const links = [
    { href: '/', label: user ? 'Account' : 'Sign in' },
    { href: '/sessions', label: 'My sessions' },
    ...(isAdmin(user) ? [{ href: '/admin', label: 'Admin' }] : []),
    { href: '/tools', label: 'Token tools' },
  ];
  replaceChildren(
    nav,
    ...links.map((link) =>
      h(
        'li',
        {},
        h('a', { href: link.href, 'aria-current': link.href === path ? 'page' : undefined }, link.label),
      ),
    ),
  );
  replaceChildren(
    account,
    user
      ? [
          h('span', { class: 'account-email' }, userText(user.email)),
          h(
            'button',
            {
              type: 'button',
              class: 'button-quiet',
              onclick: async () => {
                try {
                  await signOut();
                } catch {
                  // Signed out locally either way; the server forgets the session when it can.
                }
                app.signedOut('You are signed out.');
              },
            },
            'Sign out',
          ),
        ]
      : null,
  );
}

/** @type {App} */
const app = {
  main,
  async render() {
    leave();
    document.title = `${route?.title ?? 'Account'} · Gatehouse`;
    refreshNav();
    if (route?.needsSignIn && !currentUser()) {
      renderSignIn(app, { message: `Sign in to see ${route.title.toLowerCase()}.`, kind: 'info' });
      return;
    }
    await route?.page(app);
  },
  signedOut(message) {
    forgetSession();
    leave();
    refreshNav();
    renderSignIn(app, { message, kind: 'info' });
    focusHeading(main);
    announce(message);
  },
  onLeave(cleanup) {
    cleanups.push(cleanup);
  },
  refreshNav,
};

whenSessionLost((message) => app.signedOut(message));

async function start() {
  try {
    await loadSession();
  } catch (error) {
    replaceChildren(main, h('h1', { tabindex: -1 }, 'Gatehouse'), notice('error', describeError(error)));
    return;
  }
  await app.render();
}

start();
