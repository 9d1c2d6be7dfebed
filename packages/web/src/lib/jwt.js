// @ts-check
import { base64ToBytes } from './base64.js';

/**
 * Decoding a JWT, entirely in the page: nothing here touches the network. Decoding is not
 * verifying: anyone can write any claims; only a signature check says who did (jwt-verify.js).
 */

/** Thrown for text that is not a compact JWS. */
export class JwtDecodeError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'JwtDecodeError';
  }
}

/**
 * @typedef {{
 *   header: Record<string, unknown>,
 *   payload: Record<string, unknown> | null,
 *   payloadText: string,
 *   signature: string,
 *   signingInput: string,
 * }} DecodedJwt
 */

const SEGMENT = /^[A-Za-z0-9_-]*$/;

/**
 * @param {string} segment
 * @param {string} what
 */
function decodeSegment(segment, what) {
  if (!SEGMENT.test(segment))
    throw new JwtDecodeError(`The ${what} is not base64url (only A–Z a–z 0–9 - _).`);
  let bytes;
  try {
    bytes = base64ToBytes(segment);
  } catch {
    throw new JwtDecodeError(`The ${what} is not valid base64url.`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new JwtDecodeError(`The ${what} is not UTF-8 text.`);
  }
}

/** @param {unknown} value @returns {value is Record<string, unknown>} */
function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Splits and decodes a compact JWS (`header.payload.signature`). The payload may be any bytes;
 * `payload` is null when it is not a JSON object (`payloadText` still shows it).
 *
 * @param {string} input
 * @returns {DecodedJwt}
 */
export function decodeJwt(input) {
  const token = input.trim().replace(/^Bearer\s+/i, '');
  if (token === '') throw new JwtDecodeError('Paste a token to decode it.');
  const parts = token.split('.');
  if (parts.length === 5)
    throw new JwtDecodeError('Five parts: this is an encrypted JWE, which cannot be read without its key.');
  if (parts.length !== 3)
    throw new JwtDecodeError(`A JWT has three parts separated by dots; this has ${parts.length}.`);
  const [headerPart = '', payloadPart = '', signature = ''] = parts;
  if (!SEGMENT.test(signature)) throw new JwtDecodeError('The signature is not base64url.');
  let header;
  try {
    header = JSON.parse(decodeSegment(headerPart, 'header'));
  } catch (error) {
    if (error instanceof JwtDecodeError) throw error;
    throw new JwtDecodeError('The header is not JSON.');
  }
  if (!isObject(header)) throw new JwtDecodeError('The header is not a JSON object.');
  const payloadText = decodeSegment(payloadPart, 'payload');
  let payload = null;
  try {
    const parsed = JSON.parse(payloadText);
    payload = isObject(parsed) ? parsed : null;
  } catch {
    payload = null;
  }
  if (payload) checkTimeClaims(payload);
  return { header, payload, payloadText, signature, signingInput: `${headerPart}.${payloadPart}` };
}

/** Seconds either side of 1970 that a JavaScript Date can hold (±8.64e15 ms). */
const MAX_NUMERIC_DATE = 8.64e12;

/**
 * A time claim the page cannot show is refused outright: showing the rest would leave the reader
 * with half a token (or, before, the previous token's tables).
 *
 * @param {Record<string, unknown>} payload
 */
function checkTimeClaims(payload) {
  for (const name of TIME_CLAIMS) {
    if (!(name in payload)) continue;
    const value = payload[name];
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new JwtDecodeError(`"${name}" is not a number of seconds, so this token has no usable ${name}.`);
    if (Math.abs(value) > MAX_NUMERIC_DATE)
      throw new JwtDecodeError(`"${name}" (${value}) is not a date: it is beyond year 275,000.`);
  }
}

/**
 * What each registered header parameter and claim means, for the decoder's tables.
 * Sources: RFC 7515 (JWS), RFC 7519 (JWT), RFC 9068 (access tokens), RFC 8725 (best practices).
 *
 * @type {Readonly<Record<string, { name: string, text: string }>>}
 */
export const HEADER_PARAMETERS = {
  alg: {
    name: 'Algorithm',
    text: 'How the token was signed (ES256, EdDSA, RS256, HS256). A verifier must pin the algorithms it accepts and never let the token choose; "none" means unsigned and is always refused.',
  },
  kid: {
    name: 'Key ID',
    text: 'Which key signed it: the verifier looks this id up in the issuer’s JWKS. An unknown kid usually means the keys were rotated; refetch the JWKS once.',
  },
  typ: {
    name: 'Type',
    text: 'What kind of token this is. Access tokens say "at+jwt" (RFC 9068), so an ID token or another JWT cannot be passed off as one.',
  },
  cty: { name: 'Content type', text: 'Set for nested tokens. Gatehouse never issues them.' },
  jku: {
    name: 'JWK Set URL',
    text: 'A URL to fetch keys from, chosen by the token itself: verifiers must ignore it (Gatehouse refuses tokens that carry it).',
  },
  x5u: {
    name: 'X.509 URL',
    text: 'A certificate URL chosen by the token: refused by Gatehouse verifiers, for the same reason as jku.',
  },
  jwk: {
    name: 'Embedded key',
    text: 'A key inside the token that would verify the token itself: meaningless as proof, refused by Gatehouse verifiers.',
  },
  crit: {
    name: 'Critical',
    text: 'Extensions the verifier must understand; Gatehouse understands none and refuses such tokens.',
  },
};

/** @type {Readonly<Record<string, { name: string, text: string }>>} */
export const CLAIMS = {
  iss: {
    name: 'Issuer',
    text: 'Who issued the token: the auth server’s URL. A verifier accepts exactly its configured issuer.',
  },
  sub: { name: 'Subject', text: 'Whom the token is about: the Gatehouse user id (stable; not the email).' },
  aud: {
    name: 'Audience',
    text: 'Which service(s) may accept it. A verifier refuses a token whose aud does not name it, so a token for one API cannot be replayed at another.',
  },
  exp: {
    name: 'Expires',
    text: 'Refused at or after this instant (a small clock-skew leeway aside). Gatehouse access tokens live 10 minutes by default.',
  },
  nbf: { name: 'Not before', text: 'Refused before this instant.' },
  iat: {
    name: 'Issued at',
    text: 'When it was signed. Tokens issued before a password change or a "sign out everywhere" are refused.',
  },
  jti: {
    name: 'JWT ID',
    text: 'Unique per token, so one token can be revoked on its own. Verifiers never cache by jti alone.',
  },
  sid: {
    name: 'Session ID',
    text: 'The login this token belongs to. Revoking the session (logout, "sign out that device", an admin) revokes every token carrying this sid, through the revocation feed.',
  },
  roles: {
    name: 'Roles',
    text: 'Gatehouse: the user’s roles when the token was issued. The auth server itself re-reads roles from the user record.',
  },
  scope: { name: 'Scope', text: 'OAuth scopes granted to the token (space-separated).' },
  client_id: { name: 'Client', text: 'The OAuth client the token was issued to.' },
};

/** Claims holding NumericDate values (seconds since 1970-01-01T00:00:00Z). */
export const TIME_CLAIMS = ['exp', 'nbf', 'iat'];

/**
 * Warnings a careful verifier would raise about this token (not a verification).
 *
 * @param {DecodedJwt} decoded
 * @param {number} nowMs
 * @returns {string[]}
 */
export function lintJwt(decoded, nowMs) {
  const { header, payload } = decoded;
  const warnings = [];
  if (typeof header.alg !== 'string') warnings.push('No "alg" in the header.');
  else if (header.alg.toLowerCase() === 'none')
    warnings.push('alg "none": the token is unsigned. Never accept it.');
  for (const name of ['jku', 'x5u', 'jwk', 'crit']) {
    if (name in header)
      warnings.push(`The header carries "${name}": Gatehouse verifiers refuse such tokens.`);
  }
  if (decoded.signature === '') warnings.push('The signature is empty.');
  if (payload === null) {
    warnings.push('The payload is not a JSON object, so it has no claims.');
    return warnings;
  }
  const exp = payload.exp;
  if (exp === undefined) warnings.push('No "exp": the token never expires.');
  else if (typeof exp !== 'number') warnings.push('"exp" is not a number.');
  else if (exp * 1000 <= nowMs) warnings.push('Expired.');
  if (typeof payload.nbf === 'number' && payload.nbf * 1000 > nowMs)
    warnings.push('Not valid yet (nbf is in the future).');
  if (header.typ !== undefined && header.typ !== 'at+jwt' && header.typ !== 'JWT')
    warnings.push(`typ "${String(header.typ)}" is not an access token type.`);
  return warnings;
}
