// @ts-check
import { h, notice, pageHeading, replaceChildren } from '../lib/dom.js';
import { currentUser, isAdmin } from '../lib/session.js';
import { activitySection } from './admin/activity.js';
import { auditSection } from './admin/audit.js';
import { keysSection } from './admin/keys.js';
import { usersSection } from './admin/users.js';

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
