/**
 * The auth server's endpoints as the client calls them: each function sends one request (or two,
 * for a hybrid refresh whose CSRF token went stale) and returns what the answer says.
 */
import type { ClientConfig } from './client-config.ts';
import { errorFrom } from './errors.ts';
import type { User } from './types.ts';

/** A refresh's result, or 'dead' when the session behind it has ended. */
export type Refreshed = { accessToken: string; expiresIn: number; csrfToken: string | null } | 'dead';

/** What a sign-in or a password change answers: a new access token (and, by strategy, more). */
export interface IssuedTokens {
  accessToken: string;
  expiresIn: number;
  csrfToken?: string;
  refreshToken?: string;
}

/** The user named by an access token's claims, when `/auth/me` cannot be asked. */
function userFromToken(accessToken: string): User {
  try {
    const payload = accessToken.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(json) as { sub?: unknown; roles?: unknown };
    return {
      id: typeof claims.sub === 'string' ? claims.sub : '',
      email: '',
      roles: Array.isArray(claims.roles) ? claims.roles.filter((role) => typeof role === 'string') : [],
    };
  } catch {
    return { id: '', email: '', roles: [] };
  }
}

/** Authorization (and DPoP) headers for a request carrying `accessToken`. */
export async function authorization(
  config: ClientConfig,
  method: string,
  url: string,
  accessToken: string,
  base: HeadersInit = {},
): Promise<Headers> {
  const headers = new Headers(base);
  headers.set('authorization', `${config.scheme} ${accessToken}`);
  if (config.pop) headers.set('dpop', await config.pop.proof({ method, url, accessToken }));
  return headers;
}

/** The signed-in user, from `/auth/me` or, failing that, from the token's claims. */
export async function fetchMe(config: ClientConfig, accessToken: string): Promise<User> {
  const url = config.endpoint('/auth/me');
  try {
    const response = await config.fetch(url, {
      headers: await authorization(config, 'GET', url, accessToken, { accept: 'application/json' }),
      credentials: 'omit',
      cache: 'no-store',
    });
    if (response.ok) {
      const body = (await response.json()) as { user?: User };
      if (body.user) return body.user;
    }
  } catch {
    // fall through: the token's own claims name the user
  }
  return userFromToken(accessToken);
}

/** Hybrid: the CSRF token of the session behind the refresh cookie; null when there is none. */
async function fetchRefreshCsrf(config: ClientConfig): Promise<string | null> {
  const response = await config.fetch(config.endpoint('/auth/refresh/csrf'), {
    headers: { accept: 'application/json' },
    credentials: config.credentials,
    cache: 'no-store',
  });
  if (response.status === 400 || response.status === 401) return null;
  if (!response.ok) throw await errorFrom(response);
  const body = (await response.json()) as { csrfToken?: unknown };
  return typeof body.csrfToken === 'string' ? body.csrfToken : null;
}

async function hybridRefresh(config: ClientConfig, knownCsrfToken: string | null): Promise<Refreshed> {
  let csrfToken = knownCsrfToken;
  for (let attempt = 0; attempt < 2; attempt++) {
    csrfToken ??= await fetchRefreshCsrf(config);
    if (csrfToken === null) return 'dead';
    const response = await config.fetch(config.endpoint('/auth/refresh'), {
      method: 'POST',
      headers: { accept: 'application/json', 'x-csrf-token': csrfToken },
      credentials: config.credentials,
      cache: 'no-store',
    });
    if (response.ok) {
      const body = (await response.json()) as { accessToken: string; expiresIn: number };
      return { accessToken: body.accessToken, expiresIn: body.expiresIn, csrfToken };
    }
    const error = await errorFrom(response);
    if (response.status === 400 && error.code === 'invalid_grant') return 'dead';
    // A CSRF token of an older session (a password change elsewhere): ask for the current one.
    if (response.status === 403 && error.code === 'csrf' && attempt === 0) {
      csrfToken = null;
      continue;
    }
    throw error;
  }
  return 'dead';
}

async function tokenRefresh(config: ClientConfig): Promise<Refreshed> {
  const storage = config.storage!;
  const refreshToken = await storage.get();
  if (!refreshToken) return 'dead';
  const url = config.endpoint('/auth/refresh');
  const headers = new Headers({ accept: 'application/json', 'content-type': 'application/json' });
  if (config.pop) headers.set('dpop', await config.pop.proof({ method: 'POST', url }));
  const response = await config.fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ refreshToken }),
    credentials: config.credentials,
    cache: 'no-store',
  });
  if (response.ok) {
    const body = (await response.json()) as { accessToken: string; expiresIn: number; refreshToken: string };
    await storage.set(body.refreshToken);
    return { accessToken: body.accessToken, expiresIn: body.expiresIn, csrfToken: null };
  }
  const error = await errorFrom(response);
  if (response.status === 400 && error.code === 'invalid_grant') return 'dead';
  throw error;
}

/** One refresh by the configured strategy; `csrfToken` is the hybrid session's known one. */
export function refreshTokens(config: ClientConfig, csrfToken: string | null): Promise<Refreshed> {
  return config.strategy === 'hybrid' ? hybridRefresh(config, csrfToken) : tokenRefresh(config);
}

export async function login(
  config: ClientConfig,
  email: string,
  password: string,
): Promise<IssuedTokens & { user: User }> {
  const response = await config.fetch(config.endpoint('/auth/login'), {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, strategy: config.strategy }),
    credentials: config.credentials,
    cache: 'no-store',
  });
  if (!response.ok) throw await errorFrom(response);
  return (await response.json()) as IssuedTokens & { user: User };
}

/** Ends this session (`/auth/logout`) or all of them (`/auth/logout-all`) on the server. */
export async function endSessionAt(config: ClientConfig, path: string, accessToken: string): Promise<void> {
  const url = config.endpoint(path);
  const response = await config.fetch(url, {
    method: 'POST',
    headers: await authorization(config, 'POST', url, accessToken),
    credentials: config.credentials,
    cache: 'no-store',
  });
  // 401: the session had already ended on the server.
  if (!response.ok && response.status !== 401) throw await errorFrom(response);
}

/** Sent once, without the retry-after-401 of `fetch`: a 401 here is a wrong current password. */
export async function changePasswordAt(
  config: ClientConfig,
  accessToken: string,
  passwords: { currentPassword: string; newPassword: string },
): Promise<IssuedTokens> {
  const url = config.endpoint('/auth/password/change');
  const response = await config.fetch(url, {
    method: 'POST',
    headers: await authorization(config, 'POST', url, accessToken, {
      accept: 'application/json',
      'content-type': 'application/json',
    }),
    body: JSON.stringify(passwords),
    credentials: config.credentials,
    cache: 'no-store',
  });
  if (!response.ok) throw await errorFrom(response);
  return (await response.json()) as IssuedTokens;
}
