import { createHash } from 'node:crypto';

// RFC 7638 §3.2: only the required members, in lexicographic order, no whitespace.
const REQUIRED_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
};

/**
 * The RFC 7638 SHA-256 thumbprint of a public JWK (base64url), synchronously: DPoP's `jkt`
 * (RFC 9449 §6.1). Null for a key type without a thumbprint here or a missing member.
 *
 * @example
 * const jkt = computeJwkThumbprint({ kty: 'EC', crv: 'P-256', x: '…', y: '…' });
 */
export function computeJwkThumbprint(jwk: Record<string, unknown>): string | null {
  const members = typeof jwk.kty === 'string' ? REQUIRED_MEMBERS[jwk.kty] : undefined;
  if (!members) return null;
  const canonical: Record<string, string> = {};
  for (const name of members) {
    const value = jwk[name];
    if (typeof value !== 'string' || value.length === 0) return null;
    canonical[name] = value;
  }
  return createHash('sha256').update(JSON.stringify(canonical), 'utf8').digest('base64url');
}
