/**
 * The allow-list of origins that receive the access token. An origin is compared exactly, as the
 * browser computes it (`scheme://host[:port]`, default ports dropped), never by prefix: so
 * `https://api.example.com.evil.test` or `https://api.example.com@evil.test` never match
 * `https://api.example.com`.
 */
export function parseOrigin(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`not an origin: ${JSON.stringify(text)}`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password)
    throw new TypeError(`not an http(s) origin: ${JSON.stringify(text)}`);
  if (url.pathname !== '/' || url.search || url.hash)
    throw new TypeError(`an origin has no path, query or fragment: ${JSON.stringify(text)}`);
  return url.origin;
}

export function createOriginAllowList(origins: Iterable<string>): (url: string) => boolean {
  const allowed = new Set<string>();
  for (const origin of origins) allowed.add(parseOrigin(origin));
  return (url) => {
    try {
      return allowed.has(new URL(url).origin);
    } catch {
      return false;
    }
  };
}
