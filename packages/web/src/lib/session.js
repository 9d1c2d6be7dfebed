// @ts-check
import { ApiError, request, setCsrfToken } from './api.js';

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
  try {
    await request('POST', '/auth/logout', { anonymous: true });
  } finally {
    forgetSession();
  }
}

/** `POST /auth/logout-all`: ends every session of the user, this one included. */
export async function signOutEverywhere() {
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
  await request('POST', '/auth/password/change', { body: { currentPassword, newPassword } });
  return loadSession();
}

export function forgetSession() {
  current = null;
  setCsrfToken(null);
}
