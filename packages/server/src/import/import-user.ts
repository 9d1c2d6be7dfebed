import {
  type AuthDeps,
  isArgon2idHash,
  newUserId,
  normalizeEmail,
  parseRoles,
  type UserRecord,
  USER_ID_PATTERN,
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
  /**
   * Keeps the account's id (the `sub` of its tokens), so data other services keyed on it still
   * matches: 1–128 characters of base64url (a UUID fits). Default: a new random id.
   */
  id?: unknown;
  email: unknown;
  passwordHash?: unknown;
  credentials?: unknown;
  /** Default none. Names as `POST /admin/users/:id/roles` takes them. */
  roles?: unknown;
  /** `active` (default) or `suspended`; a Keycloak user's `enabled: false` means suspended. */
  status?: unknown;
  enabled?: unknown;
  /** When the account was made: ISO 8601, or milliseconds since 1970 (Keycloak's `createdTimestamp`). Default: now. */
  createdAt?: unknown;
  createdTimestamp?: unknown;
}

export type ImportOutcome =
  | { result: 'imported'; user: UserRecord; scheme: string }
  | { result: 'exists' }
  | { result: 'refused'; reason: string };

type ImportDeps = Pick<AuthDeps, 'store' | 'clock' | 'random' | 'audit'>;

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
  const now = deps.clock.now();
  const parsed = parseRecord(record, now);
  if ('reason' in parsed) return { result: 'refused', ...parsed };
  const user: UserRecord = {
    id: parsed.id ?? newUserId(deps.random),
    email: parsed.email,
    passwordHash: parsed.passwordHash,
    roles: parsed.roles,
    status: parsed.status,
    createdAt: parsed.createdAt ?? now,
    updatedAt: now,
    passwordChangedAt: now,
  };
  if (parsed.id !== undefined) {
    // An id kept from the old system must not be another account's (it is this one's on a rerun).
    const holder = await deps.store.users.getById(parsed.id);
    if (holder)
      return holder.email === user.email
        ? { result: 'exists' }
        : { result: 'refused', reason: 'id taken by another account' };
  }
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
  id?: string;
  createdAt?: number;
  email: string;
  passwordHash: string;
  scheme: string;
  roles: string[];
  status: UserStatus;
}

function parseRecord(record: unknown, now: number): ParsedRecord | { reason: string } {
  if (typeof record !== 'object' || record === null || Array.isArray(record))
    return { reason: 'not a JSON object' };
  const input = record as ImportRecord;
  if (input.id !== undefined && (typeof input.id !== 'string' || !USER_ID_PATTERN.test(input.id)))
    return { reason: 'invalid id (1-128 characters: letters, digits, - and _)' };
  const createdAt = createdAtOf(input, now);
  if (createdAt === null) return { reason: 'invalid createdAt' };
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
  return {
    ...(input.id === undefined ? {} : { id: input.id as string }),
    ...(createdAt === undefined ? {} : { createdAt }),
    email,
    passwordHash,
    scheme,
    roles,
    status,
  };
}

/** `createdAt` (ISO 8601 or ms), else Keycloak's `createdTimestamp` (ms); undefined for neither, null if unusable. */
function createdAtOf(input: ImportRecord, now: number): number | null | undefined {
  const given = input.createdAt ?? input.createdTimestamp;
  if (given === undefined) return undefined;
  const ms = typeof given === 'string' ? Date.parse(given) : given;
  return typeof ms === 'number' && Number.isSafeInteger(ms) && ms >= 0 && ms <= now ? ms : null;
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
