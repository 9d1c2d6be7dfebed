// @ts-check
import { ApiError, request, sessionLost, setCsrfToken } from './api.js';
import { hybridClient } from './hybrid.js';

/**
 * @typedef {{ id: string, email: string, roles: string[] }} User
 * @typedef {{ id: string, strategy: string, createdAt: string, expiresAt: string }} CurrentSession
 * @typedef {{ user: User, session: CurrentSession }} SignedIn
 */

/** @type {SignedIn | null} */
let current = null;

/** The signed-in user, or null. */
export function currentUser() {
  return current?.user ?? null;
}

/** The session this page uses, or null. */
export function currentSession() {
  return current?.session ?? null;
}

/** @param {User | null} user */
export function isAdmin(user) {
  return user?.roles.includes('admin') ?? false;
}

/**
 * Asks the server who we are (`GET /auth/me`), then fetches the CSRF token of that session.
 * Resolves null when signed out.
 *
 * @returns {Promise<SignedIn | null>}
 */
export async function loadSession() {
  const client = await hybridClient();
  if (client) return loadHybridSession(client);
  try {
    current = await request('GET', '/auth/me', { anonymous: true });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      forgetSession();
      return null;
    }
    throw error;
  }
  const { csrfToken } = await request('GET', '/auth/csrf');
  setCsrfToken(csrfToken);
  return current;
}

/**
 * `POST /auth/login` with the session strategy: the cookie is set by the server (HttpOnly), the
 * CSRF token comes back in the body.
 *
 * @param {string} email
 * @param {string} password
 */
export async function signIn(email, password) {
  const client = await hybridClient();
  if (client) {
    await asApiError(() => client.signIn(email, password));
    return loadSession();
  }
  const body = await request('POST', '/auth/login', { body: { email, password }, anonymous: true });
  setCsrfToken(body.csrfToken);
  return loadSession();
}

/** @param {string} email @param {string} password */
export async function register(email, password) {
  await request('POST', '/auth/register', { body: { email, password }, anonymous: true });
}

/** `POST /auth/logout`: ends this session. */
export async function signOut() {
  const client = await hybridClient();
  if (client) return endHybrid(() => client.signOut());
  try {
    await request('POST', '/auth/logout', { anonymous: true });
  } finally {
    forgetSession();
  }
}

/** `POST /auth/logout-all`: ends every session of the user, this one included. */
export async function signOutEverywhere() {
  const client = await hybridClient();
  if (client) return endHybrid(() => client.signOutEverywhere());
  try {
    await request('POST', '/auth/logout-all', { anonymous: true });
  } finally {
    forgetSession();
  }
}

/**
 * Changes the password. The server replaces this session (new cookie, new id), so the CSRF token
 * bound to the old id is fetched again.
 *
 * @param {string} currentPassword
 * @param {string} newPassword
 */
export async function changePassword(currentPassword, newPassword) {
  const client = await hybridClient();
  if (client) {
    await asApiError(() => client.changePassword(currentPassword, newPassword));
    return loadSession();
  }
  await request('POST', '/auth/password/change', { body: { currentPassword, newPassword } });
  return loadSession();
}

export function forgetSession() {
  current = null;
  setCsrfToken(null);
}

// The hybrid strategy, through @gatehouse/client (GATEHOUSE_UI_STRATEGY=hybrid).

/** @typedef {import('./hybrid.js').GatehouseClient} GatehouseClient */

let listening = false;

/**
 * Signed in when the client is (from another tab, or by one refresh with the cookie); then
 * `GET /auth/me` with the access token. Every tab hears a sign-out or a dead session at once.
 *
 * @param {GatehouseClient} client
 * @returns {Promise<SignedIn | null>}
 */
async function loadHybridSession(client) {
  if (!listening) {
    listening = true;
    client.on('signedout', (event) => {
      // This tab's own sign-out is handled where it was asked for.
      if (!current || (!event.fromOtherTab && event.reason === 'signed_out')) return;
      sessionLost(
        event.reason === 'signed_out'
          ? 'You signed out (in another tab).'
          : 'Your session has ended: it was signed out from another device, by an administrator, or it expired.',
      );
    });
  }
  await asApiError(() => client.ready);
  if (!client.user()) {
    forgetSession();
    return null;
  }
  try {
    current = await request('GET', '/auth/me', { anonymous: true });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      forgetSession();
      return null;
    }
    throw error;
  }
  return current;
}

/** @param {() => Promise<void>} end */
async function endHybrid(end) {
  try {
    await asApiError(end);
  } finally {
    forgetSession();
  }
}

/**
 * The client's errors carry the same status and code as the UI's own.
 *
 * @template T
 * @param {() => Promise<T>} action
 * @returns {Promise<T>}
 */
async function asApiError(action) {
  try {
    return await action();
  } catch (error) {
    const failure =
      /** @type {{ name?: string, status?: number, code?: string, retryAfterSeconds?: number | null }} */ (
        error
      );
    if (failure?.name === 'GatehouseError' && typeof failure.status === 'number')
      throw new ApiError(failure.status, failure.code ?? 'http_error', failure.retryAfterSeconds ?? null);
    throw error;
  }
}
