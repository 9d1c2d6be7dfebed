import { randomBytes } from 'node:crypto';
import { type FileHandle, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fromBase64Url, toBase64Url } from '@gatehouse/core';
import type { GatehouseConfig } from './config.ts';

/** The secrets a server needs besides its database. */
export interface ServerSecrets {
  /** HMAC key for CSRF tokens. */
  csrfSecret: Uint8Array;
  /** Encrypts signing keys at rest. Its own entry: changing the CSRF secret leaves the keys readable. */
  keyEncryptionKey: Uint8Array;
}

/** Secrets generated on first start in embedded mode, kept in `<dataDir>/secrets.json` (mode 0600). */
interface EmbeddedSecretsFile {
  csrfSecret: string;
  keyEncryptionKey: string;
}

const SECRETS_FILE = 'secrets.json';
const LOCK_ATTEMPTS = 100;
const LOCK_RETRY_MS = 50;

function generateSecret(): string {
  return toBase64Url(randomBytes(32));
}

function decodeKey(text: unknown, exactBytes?: number): Uint8Array | null {
  if (typeof text !== 'string') return null;
  const bytes = fromBase64Url(text);
  if (!bytes || bytes.byteLength < 32 || (exactBytes !== undefined && bytes.byteLength !== exactBytes))
    return null;
  return new Uint8Array(bytes);
}

async function readSecretsFile(path: string): Promise<Partial<EmbeddedSecretsFile>> {
  if (process.platform !== 'win32' && ((await stat(path)).mode & 0o077) !== 0) {
    throw new Error(`${path} is readable by other users; run: chmod 600 ${path}`);
  }
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch {
    throw new Error(`${path} is not valid JSON; delete it to generate new secrets (this signs everyone out)`);
  }
}

/** An exclusive lock file beside `path`, so two processes never both add a different key. */
async function lockFile(path: string): Promise<FileHandle> {
  const lock = `${path}.lock`;
  for (let attempt = 1; ; attempt++) {
    try {
      return await open(lock, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= LOCK_ATTEMPTS) {
        throw new Error(
          `cannot lock ${lock}: another Gatehouse is updating ${path}, or one stopped while doing so (then delete the lock file)`,
          { cause: error },
        );
      }
      await sleep(LOCK_RETRY_MS);
    }
  }
}

/**
 * Adds a key-encryption key to a secrets file written before there was one, leaving the CSRF secret
 * as it is. Under the lock the file is read again: whoever got there first already added the key,
 * and everyone must use that one, or keys encrypted by one process would be unreadable to the rest.
 */
async function addKeyEncryptionKey(path: string): Promise<void> {
  const lock = await lockFile(path);
  try {
    const stored = await readSecretsFile(path);
    if (stored.keyEncryptionKey !== undefined) return;
    const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    const next = { ...stored, keyEncryptionKey: generateSecret() };
    await writeFile(temporary, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    // rename is atomic: a reader sees the old file or the new one, never half of it.
    await rename(temporary, path);
  } finally {
    await lock.close();
    await rm(`${path}.lock`, { force: true });
  }
}

/**
 * Loads the embedded-mode secrets, creating them once. Refuses a secrets file other users can read,
 * as OpenSSH does with private keys, rather than silently keep using an exposed key.
 */
export async function loadEmbeddedSecrets(dataDir: string): Promise<ServerSecrets> {
  const path = join(dataDir, SECRETS_FILE);
  const fresh: EmbeddedSecretsFile = { csrfSecret: generateSecret(), keyEncryptionKey: generateSecret() };
  try {
    // `wx`: never overwrite; if two processes race, the loser reads the winner's file below.
    await writeFile(path, `${JSON.stringify(fresh, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  let stored = await readSecretsFile(path);
  const csrfSecret = decodeKey(stored.csrfSecret);
  if (!csrfSecret) throw new Error(`${path}: csrfSecret must be base64url encoding at least 32 bytes`);
  if (stored.keyEncryptionKey === undefined) {
    await addKeyEncryptionKey(path);
    stored = await readSecretsFile(path);
  }
  const keyEncryptionKey = decodeKey(stored.keyEncryptionKey, 32);
  if (!keyEncryptionKey)
    throw new Error(`${path}: keyEncryptionKey must be base64url encoding exactly 32 bytes`);
  return { csrfSecret, keyEncryptionKey };
}

/**
 * The secrets to run with: configured values win; in embedded mode the data dir's secrets file
 * supplies what is not configured. (With DATABASE_URL both are required by the configuration.)
 */
export async function resolveSecrets(
  config: Pick<GatehouseConfig, 'csrfSecret' | 'keyEncryptionKey' | 'dataDir'>,
): Promise<ServerSecrets> {
  if (config.csrfSecret && config.keyEncryptionKey) {
    return { csrfSecret: config.csrfSecret, keyEncryptionKey: config.keyEncryptionKey };
  }
  const embedded = await loadEmbeddedSecrets(config.dataDir);
  return {
    csrfSecret: config.csrfSecret ?? embedded.csrfSecret,
    keyEncryptionKey: config.keyEncryptionKey ?? embedded.keyEncryptionKey,
  };
}
