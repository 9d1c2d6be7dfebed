import { authorization } from './auth-server.ts';
import type { ClientConfig } from './client-config.ts';
import type { Refresh } from './refresher.ts';

/**
 * A 401 that says the token was refused: same-origin answers show their `WWW-Authenticate`
 * challenge (Bearer or DPoP); a cross-origin answer hides it unless the API exposes it, so there a
 * 401 is taken as a refusal of the token.
 */
function blamesToken(response: Response): boolean {
  if (response.status !== 401) return false;
  const challenge = response.headers.get('www-authenticate');
  if (challenge !== null) return /^\s*(bearer|dpop)\b/i.test(challenge);
  return response.type === 'cors' || response.type === 'opaque';
}

/**
 * `fetch` that adds the access token to requests for the listed origins, and on a refusal of the
 * token refreshes it once and sends the request again.
 */
export function createAuthorizedFetch(
  config: ClientConfig,
  getAccessToken: () => Promise<string | null>,
  refresh: Refresh,
): (input: RequestInfo | URL, init?: RequestInit) => Promise<Response> {
  const fetchImpl = config.fetch;

  async function authorizedRequest(request: Request, accessToken: string): Promise<Request> {
    return new Request(request, {
      headers: await authorization(config, request.method, request.url, accessToken, request.headers),
    });
  }

  return async (input, init) => {
    const request = new Request(input, init);
    if (!config.isListed(request.url)) return fetchImpl(request);
    const accessToken = await getAccessToken();
    if (!accessToken) return fetchImpl(request);
    const retry = request.clone();
    const response = await fetchImpl(await authorizedRequest(request, accessToken));
    if (!blamesToken(response)) return response;
    let fresh: string | null;
    try {
      fresh = await refresh(accessToken);
    } catch {
      return response;
    }
    if (!fresh || fresh === accessToken) return response;
    return fetchImpl(await authorizedRequest(retry, fresh));
  };
}
