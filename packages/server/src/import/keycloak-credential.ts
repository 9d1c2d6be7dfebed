/**
 * A Keycloak password credential, as a realm export (`users[].credentials[]`) or the admin API
 * gives it: two JSON texts, the hash and its salt in `secretData`, the algorithm and its cost in
 * `credentialData`.
 */
export interface KeycloakCredential {
  type?: unknown;
  secretData: unknown;
  credentialData: unknown;
}

/** Keycloak's PBKDF2 algorithm names and the digest each uses (`pbkdf2` is Keycloak's oldest, SHA-1). */
const PBKDF2_DIGESTS: Record<string, string> = {
  'pbkdf2-sha256': '-sha256',
  'pbkdf2-sha512': '-sha512',
  pbkdf2: '',
};

/**
 * The credential as a hash a server verifies: PBKDF2 in passlib's form (`imported-hash.ts`), Argon2id
 * (Keycloak 24's default) as a PHC string. Null for anything else: another credential type, a
 * Keycloak Argon2 that is not Argon2id v1.3, or malformed JSON. The bounds are checked where the
 * hash is parsed, not here.
 *
 * @example
 * keycloakCredentialHash({
 *   secretData: '{"value":"…","salt":"…"}',
 *   credentialData: '{"hashIterations":27500,"algorithm":"pbkdf2-sha256"}',
 * }); // '$pbkdf2-sha256$27500$…$…'
 */
export function keycloakCredentialHash(credential: KeycloakCredential): string | null {
  if (credential.type !== undefined && credential.type !== 'password') return null;
  const secret = parseObject(credential.secretData);
  const data = parseObject(credential.credentialData);
  if (!secret || !data) return null;
  const { value, salt } = secret;
  const { hashIterations: iterations, algorithm } = data;
  if (!isBase64(value) || !isBase64(salt) || !Number.isSafeInteger(iterations)) return null;
  if (typeof algorithm !== 'string') return null;
  const digest = PBKDF2_DIGESTS[algorithm];
  if (digest !== undefined) return `$pbkdf2${digest}$${iterations}$${ab64(salt)}$${ab64(value)}`;
  if (algorithm === 'argon2')
    return argon2idHash(data.additionalParameters, iterations as number, salt, value);
  return null;
}

/** Keycloak's Argon2 parameters are arrays of one string each: `{"memory": ["7168"], …}`. */
function argon2idHash(parameters: unknown, iterations: number, salt: string, value: string): string | null {
  if (typeof parameters !== 'object' || parameters === null) return null;
  const first = (name: string) => {
    const entry = (parameters as Record<string, unknown>)[name];
    return Array.isArray(entry) && typeof entry[0] === 'string' ? entry[0] : undefined;
  };
  const memory = first('memory');
  const parallelism = first('parallelism');
  if (first('type') !== 'id' || first('version') !== '1.3') return null;
  if (!memory || !/^\d{1,7}$/.test(memory) || !parallelism || !/^\d{1,3}$/.test(parallelism)) return null;
  const unpadded = (text: string) => text.replace(/=+$/, '');
  return `$argon2id$v=19$m=${memory},t=${iterations},p=${parallelism}$${unpadded(salt)}$${unpadded(value)}`;
}

function parseObject(text: unknown): Record<string, unknown> | null {
  if (typeof text !== 'string') return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function isBase64(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9+/]{2,256}={0,2}$/.test(value);
}

/** Standard base64 as passlib's adapted base64: `.` for `+`, no padding. */
function ab64(base64: string): string {
  return base64.replace(/=+$/, '').replaceAll('+', '.');
}
