import { randomBytes } from 'node:crypto';
import {
  type AuthDeps,
  isArgon2idHash,
  normalizeEmail,
  parseRoles,
  type UserRecord,
  type UserStatus,
} from '@gatehouse/core';
import { parseImportedHash } from './imported-hash.ts';
import { type KeycloakCredential, keycloakCredentialHash } from './keycloak-credential.ts';

/**
 * One account to import, as a line of `gatehouse users import` gives it. The password hash is
 * `passwordHash` (Argon2id, or a scheme of `imported-hash.ts`), or the `password` credential of a
 * Keycloak user (`credentials`, as a realm export has it: `jq -c '.users[]' realm.json` gives these
 * lines). Other fields are ignored, so exported user objects can be passed as they are.
 */
export interface ImportRecord {
  email: unknown;
  passwordHash?: unknown;
  credentials?: unknown;
  /** Default none. Names as `POST /admin/users/:id/roles` takes them. */
  roles?: unknown;
  /** `active` (default) or `suspended`; a Keycloak user's `enabled: false` means suspended. */
  status?: unknown;
  enabled?: unknown;
}

export type ImportOutcome =
  | { result: 'imported'; user: UserRecord; scheme: string }
  | { result: 'exists' }
  | { result: 'refused'; reason: string };

type ImportDeps = Pick<AuthDeps, 'store' | 'clock' | 'audit'>;

/**
 * Creates the account `record` describes, keeping its password hash (replaced by Argon2id at its
 * first sign-in), audited `user.imported` with its scheme. An email already registered is left as
 * it is (`exists`), so an import can be run again. A refusal's reason never quotes the record.
 */
export async function importUser(
  deps: ImportDeps,
  record: unknown,
  options: { dryRun?: boolean } = {},
): Promise<ImportOutcome> {
  const parsed = parseRecord(record);
  if ('reason' in parsed) return { result: 'refused', ...parsed };
  const now = deps.clock.now();
  const user: UserRecord = {
    id: randomBytes(16).toString('base64url'),
    email: parsed.email,
    passwordHash: parsed.passwordHash,
    roles: parsed.roles,
    status: parsed.status,
    createdAt: now,
    updatedAt: now,
    passwordChangedAt: now,
  };
  if (options.dryRun) {
    const taken = (await deps.store.users.getByEmail(user.email)) !== null;
    return taken ? { result: 'exists' } : { result: 'imported', user, scheme: parsed.scheme };
  }
  const created = await deps.store.users.create(
    user,
    deps.audit.event({
      type: 'user.imported',
      actorId: null,
      subjectId: user.id,
      data: { scheme: parsed.scheme, via: 'cli' },
    }),
  );
  return created ? { result: 'imported', user, scheme: parsed.scheme } : { result: 'exists' };
}

interface ParsedRecord {
  email: string;
  passwordHash: string;
  scheme: string;
  roles: string[];
  status: UserStatus;
}

function parseRecord(record: unknown): ParsedRecord | { reason: string } {
  if (typeof record !== 'object' || record === null || Array.isArray(record))
    return { reason: 'not a JSON object' };
  const input = record as ImportRecord;
  let email: string;
  try {
    email = normalizeEmail(input.email);
  } catch {
    return { reason: 'invalid email' };
  }
  const passwordHash = passwordHashOf(input);
  if (passwordHash === undefined) return { reason: 'no password hash (passwordHash or credentials)' };
  const scheme = passwordHash === null ? null : schemeOf(passwordHash);
  if (passwordHash === null || scheme === null)
    return { reason: 'password hash not recognised, or past its bounds' };
  let roles: string[] = [];
  if (input.roles !== undefined) {
    try {
      roles = parseRoles(input.roles);
    } catch {
      return { reason: 'invalid roles' };
    }
  }
  const status = statusOf(input);
  if (status === null) return { reason: 'invalid status (active or suspended)' };
  return { email, passwordHash, scheme, roles, status };
}

/** The record's hash: `passwordHash`, else its Keycloak password credential's; null if neither is usable. */
function passwordHashOf(input: ImportRecord): string | null | undefined {
  if (input.passwordHash !== undefined)
    return typeof input.passwordHash === 'string' ? input.passwordHash : null;
  if (!Array.isArray(input.credentials)) return undefined;
  const credential = input.credentials.find(
    (entry): entry is KeycloakCredential =>
      typeof entry === 'object' && entry !== null && (entry as KeycloakCredential).type === 'password',
  );
  return credential ? keycloakCredentialHash(credential) : undefined;
}

function schemeOf(passwordHash: string): string | null {
  if (passwordHash.length > 1024) return null;
  if (isArgon2idHash(passwordHash)) return 'argon2id';
  return parseImportedHash(passwordHash)?.scheme ?? null;
}

function statusOf(input: ImportRecord): UserStatus | null {
  if (input.status === undefined) return input.enabled === false ? 'suspended' : 'active';
  return input.status === 'active' || input.status === 'suspended' ? input.status : null;
}
