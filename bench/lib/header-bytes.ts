/**
 * Bytes a header takes in an HTTP/1.1 request or response: `Name: value` plus CRLF. (HTTP/2
 * compresses repeated headers with HPACK, so this is the upper bound a first request pays.)
 */
export function headerBytes(name: string, value: string): number {
  return Buffer.byteLength(`${name}: ${value}\r\n`);
}

/** The `name=value` part of a Set-Cookie line: what the browser sends back on every request. */
export function cookiePair(setCookie: string): string {
  return setCookie.split(';')[0]!.trim();
}
