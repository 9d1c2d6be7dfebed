import { TokenError } from '../errors.ts';
import { type AccessTokenClaims, MAX_CLAIM_LENGTH } from './access-token-claims.ts';

export interface ClaimExpectations {
  issuer: string;
  audience: string;
  nowSeconds: number;
  leewaySeconds: number;
}

const JKT = /^[A-Za-z0-9_-]{43}$/;
const claimsError = (message: string) => new TokenError('ERR_TOKEN_CLAIMS', message);

// Number.isFinite also refuses `1e400`, which JSON.parse turns into Infinity (a token that never expires).
function requireTime(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw claimsError(`${name} missing or not a number`);
  }
  return value;
}

function requireText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_CLAIM_LENGTH) {
    throw claimsError(`${name} missing or invalid`);
  }
  return value;
}

// Strict equality on each element, and every element must be a string: no loose `==` (['api'] == 'api')
// and no `for…in` over indices (a known audience check that did so accepted non-strings).
function audienceMatches(aud: unknown, audience: string): boolean {
  if (typeof aud === 'string') return aud === audience;
  return Array.isArray(aud) && allStrings(aud) && aud.includes(audience);
}

/** Every element a string (a plain loop: no closure per token on the verification path). */
function allStrings(values: unknown[]): boolean {
  for (let index = 0; index < values.length; index++) if (typeof values[index] !== 'string') return false;
  return true;
}

/**
 * Checks the registered claims of a verified payload (RFC 7519 §4.1, RFC 9068 §2.2). `payload` is
 * the caller's own parse of this token's JSON, held by nothing else (both verifiers parse it anew
 * for each call), so its `roles` array is handed on in the claims rather than copied.
 */
export function checkAccessTokenClaims(
  payload: Record<string, unknown>,
  expected: ClaimExpectations,
): AccessTokenClaims {
  const { nowSeconds, leewaySeconds } = expected;
  if (payload.iss !== expected.issuer) throw claimsError('wrong issuer');
  if (!audienceMatches(payload.aud, expected.audience)) throw claimsError('wrong audience');
  const exp = requireTime(payload.exp, 'exp');
  if (nowSeconds >= exp + leewaySeconds) throw new TokenError('ERR_TOKEN_EXPIRED', 'token expired');
  if (payload.nbf !== undefined && nowSeconds < requireTime(payload.nbf, 'nbf') - leewaySeconds) {
    throw new TokenError('ERR_TOKEN_NOT_YET_VALID', 'token not valid yet (nbf)');
  }
  const iat = requireTime(payload.iat, 'iat');
  if (iat > nowSeconds + leewaySeconds) {
    throw new TokenError('ERR_TOKEN_NOT_YET_VALID', 'token issued in the future');
  }
  const roles = payload.roles === undefined ? [] : payload.roles;
  if (!Array.isArray(roles) || !allStrings(roles)) {
    throw claimsError('roles must be an array of strings');
  }
  const claims: AccessTokenClaims = {
    iss: expected.issuer,
    aud: Array.isArray(payload.aud) ? [...payload.aud] : expected.audience,
    sub: requireText(payload.sub, 'sub'),
    sid: requireText(payload.sid, 'sid'),
    jti: requireText(payload.jti, 'jti'),
    iat,
    exp,
    roles,
  };
  if (payload.client_id !== undefined) claims.client_id = requireText(payload.client_id, 'client_id');
  if (payload.cnf !== undefined) claims.cnf = { jkt: requireJkt(payload.cnf) };
  return claims;
}

// RFC 9449 §6.1: `cnf.jkt` is a base64url SHA-256 thumbprint. A `cnf` we cannot honour (another
// confirmation method) is refused: accepting the token would drop its sender constraint.
function requireJkt(cnf: unknown): string {
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) throw claimsError('cnf malformed');
  const { jkt } = cnf as Record<string, unknown>;
  if (Object.keys(cnf).length !== 1 || typeof jkt !== 'string' || !JKT.test(jkt))
    throw claimsError('cnf malformed');
  return jkt;
}
