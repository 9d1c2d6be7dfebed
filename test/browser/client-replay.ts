/** What a thief does with a refresh cookie copied out of the browser: replays it, outside any browser. */
export const REFRESH_COOKIE_NAME = '__Secure-gh_refresh';

export async function replayRefreshCookie(
  serverUrl: string,
  refreshToken: string,
  origin: string,
): Promise<Response> {
  const cookie = `${REFRESH_COOKIE_NAME}=${refreshToken}`;
  // The CSRF token comes with the cookie (it is not a secret from whoever holds the cookie).
  const csrf = await fetch(`${serverUrl}/auth/refresh/csrf`, { headers: { cookie } });
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  // Outside a browser nothing stops the thief from naming the allowed origin, so the origin check
  // (which guards browsers against cross-site requests) is passed and reuse detection must refuse it.
  return fetch(`${serverUrl}/auth/refresh`, {
    method: 'POST',
    headers: { cookie, 'x-csrf-token': csrfToken, origin },
  });
}
