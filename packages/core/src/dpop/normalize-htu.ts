const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

// RFC 3986 §6.2.2.1-2: hex digits in upper case, unreserved characters decoded.
function normalizePercentEncoding(path: string): string {
  return path.replace(/%[0-9A-Fa-f]{2}/g, (encoded) => {
    const character = String.fromCharCode(Number.parseInt(encoded.slice(1), 16));
    return UNRESERVED.test(character) ? character : encoded.toUpperCase();
  });
}

/**
 * A DPoP `htu` or a request URL as RFC 9449 §4.3 compares them: scheme, host and path after RFC
 * 3986 §6.2.2-6.2.3 normalisation (case of scheme and host, default port dropped, dot segments
 * removed, empty path as `/`, percent-encoding), without query and fragment. Null for anything
 * that is not an absolute http(s) URL without credentials.
 *
 * @example
 * normalizeHtu('HTTPS://Server.Example.com:443/token?x=1') === 'https://server.example.com/token'
 */
export function normalizeHtu(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) return null;
  return `${url.protocol}//${url.host}${normalizePercentEncoding(url.pathname)}`;
}
