import type { VerifyRequestInput } from '../types.ts';

type Headers = Record<string, string | string[] | undefined>;

/** The parts of a Node request (`IncomingMessage`) that matter to the verifier. */
export interface NodeRequestLike {
  headers: Headers;
  /** The headers as received, names and values alternating: every Authorization header is there. */
  rawHeaders?: string[];
  /** Every value of every header, as lists (Node 18.3+); read when there is no `rawHeaders`. */
  headersDistinct?: Record<string, string[] | undefined>;
}

/**
 * `header.toLowerCase() === name` for a lower-case ASCII `name` without a `k` (every name read
 * here), without making the lower-case copy: the only other characters `toLowerCase` turns into
 * a-z are the Kelvin sign (into k) and İ (into two characters, so never the same length).
 */
export function isHeaderNamed(header: string, name: string): boolean {
  // Most names differ in length or in their first letter (any case): told apart without a call
  // to V8's string comparison, which every other header of a request would otherwise cost.
  if (header.length !== name.length || (header.charCodeAt(0) | 0x20) !== name.charCodeAt(0)) return false;
  if (header === name) return true;
  for (let index = 0; index < name.length; index++) {
    const code = header.charCodeAt(index);
    const wanted = name.charCodeAt(index);
    if (code !== wanted && (code !== wanted - 0x20 || wanted < 0x61 || wanted > 0x7a)) return false;
  }
  return true;
}

/**
 * Every value a header named `name` (lower-case) was received with, as `headersDistinct` would
 * give it: one string when it came once, a list when more. Read from `rawHeaders`, which the HTTP
 * parser has already built, instead of `headersDistinct`, which builds a list for every header of
 * the request on first use.
 */
function receivedValues(raw: NodeRequestLike | undefined, name: string, value: string | string[]) {
  const rawHeaders = raw?.rawHeaders;
  if (rawHeaders === undefined) return raw?.headersDistinct?.[name] ?? value;
  let values: string | string[] | undefined;
  for (let index = 0; index < rawHeaders.length; index += 2) {
    if (isHeaderNamed(rawHeaders[index]!, name)) values = withValue(values, rawHeaders[index + 1]!);
  }
  return values ?? value;
}

/** One more value of a header: a string the first time, a list from the second on. */
export function withValue(values: string | string[] | undefined, value: string): string | string[] {
  if (values === undefined) return value;
  if (typeof values === 'string') return [values, value];
  values.push(value);
  return values;
}

/** The DPoP scheme is the only Authorization scheme starting with d/D. */
export function isDpopScheme(authorization: string): boolean {
  return (authorization.charCodeAt(0) | 0x20) === 0x64;
}

/** The request line's method and target, for a DPoP proof's `htm` and `htu`. */
export interface RequestTarget {
  method?: string | undefined;
  url?: string | undefined;
}

/**
 * Whether the verifier may check a DPoP proof against this Authorization value, and so needs the
 * method and target: under the DPoP scheme (the only one starting with d/D, and only at the very
 * start), or when it is not one plain string. No other request ever reaches the proof check.
 */
export function mayNeedTarget(authorization: string | string[]): boolean {
  return typeof authorization !== 'string' || isDpopScheme(authorization);
}

/**
 * The verifier's input from a Node-based framework's request. Node keeps only the first of two
 * Authorization headers in `headers` and drops the other silently; `rawHeaders` still holds both,
 * so the verifier sees the ambiguity and refuses it instead of judging one of them. The method and
 * target (`targetOf(request)`) are read only where a DPoP proof may need them, so a Bearer or
 * cookie request costs no object for them.
 */
export function readNodeHeaders<R>(
  headers: Headers,
  raw: NodeRequestLike | undefined,
  cookies: Record<string, string | undefined> | undefined,
  request?: R,
  targetOf?: (request: R) => RequestTarget,
): VerifyRequestInput {
  const { authorization, cookie, dpop } = headers;
  const received =
    authorization === undefined ? undefined : receivedValues(raw, 'authorization', authorization);
  const input: VerifyRequestInput = { headers: { authorization: received, cookie }, cookies };
  // Two DPoP headers are refused like two Authorization headers, so both must be seen.
  if (dpop !== undefined) input.headers.dpop = receivedValues(raw, 'dpop', dpop);
  if (received !== undefined && targetOf !== undefined && mayNeedTarget(received)) {
    const { method, url } = targetOf(request as R);
    if (method !== undefined) input.method = method;
    if (url !== undefined) input.url = url;
  }
  return input;
}
