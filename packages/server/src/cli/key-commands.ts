import {
  cliActor,
  createKeyAdmin,
  type KeyAdmin,
  type Keyring,
  type SigningKeyRecord,
} from '@gatehouse/core';
import type { GatehouseConfig } from '../config.ts';
import { resolveSecrets } from '../embedded-secrets.ts';
import { createConfiguredKeyring } from '../keys/signing-keys.ts';
import { openStore } from '../store/open-store.ts';
import { withCliAuth } from './cli-auth.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from './cli-errors.ts';
import type { CommandInput, CommandSpec } from './command-spec.ts';

const KID = /^[A-Za-z0-9_-]{1,128}$/;
const KID_NEEDED = 'keys revoke needs the kid of a key (see keys list)';

function formatKey(key: SigningKeyRecord): string {
  const retired = key.retiredAt === null ? '' : `  retired ${new Date(key.retiredAt).toISOString()}`;
  return `${key.kid}  ${key.alg.padEnd(5)}  ${key.status.padEnd(7)}  created ${new Date(key.createdAt).toISOString()}${retired}`;
}

function activeKid(keyring: Keyring): string | null {
  try {
    return keyring.getSigningKey().kid;
  } catch {
    return null; // no active key yet
  }
}

/**
 * Opens the store and a keyring over it, with every stored key loaded (and so decryptable) first;
 * rotations and revocations go through the audited key admin, as `POST /admin/keys/…` do.
 */
async function withKeyring<T>(
  config: GatehouseConfig,
  use: (keyring: Keyring, keys: KeyAdmin) => Promise<T>,
): Promise<T> {
  return withCliAuth(config, async (cli) => {
    const { keyEncryptionKey } = await resolveSecrets(config);
    const keyring = createConfiguredKeyring(config, cli.store.keys, keyEncryptionKey);
    // With a wrong key-encryption key this fails before anything is written: a key stored under
    // the wrong KEK would make every server refuse to load the keyring.
    await keyring.reload();
    return use(keyring, createKeyAdmin({ ...cli, keyring }));
  });
}

async function listKeys({ config, io }: CommandInput): Promise<number> {
  // Reads only public metadata: needs no key-encryption key.
  const store = await openStore(config());
  try {
    const keys = await store.keys.list();
    if (keys.length === 0) io.out('No signing keys yet (the server creates one at start).');
    for (const key of keys) io.out(formatKey(key));
  } finally {
    await store.close();
  }
  return EXIT_OK;
}

async function rotateKey({ config, io }: CommandInput): Promise<number> {
  const created = await withKeyring(config(), (_keyring, keys) => keys.rotate(cliActor));
  io.out(
    `Rotated: ${created} (${config().signingAlgorithm}) is the active signing key; the previous key keeps verifying. Running servers pick it up within two minutes.`,
  );
  return EXIT_OK;
}

async function revokeKey({ config, io, operand: kid }: CommandInput): Promise<number> {
  if (kid === undefined || !KID.test(kid)) throw new UsageError(KID_NEEDED);
  const outcome = await withKeyring(config(), async (keyring, keys) => {
    const wasActive = activeKid(keyring) === kid;
    return { removed: await keys.revoke(cliActor, kid), wasActive };
  });
  if (!outcome.removed) {
    io.err(`gatehouse: no signing key ${kid}`);
    return EXIT_FAILURE;
  }
  io.out(
    `Revoked ${kid}: tokens it signed are refused${outcome.wasActive ? '; a new active key was created' : ''}. Running servers reload their keys within two minutes.`,
  );
  return EXIT_OK;
}

export const keyCommands: readonly CommandSpec[] = [
  {
    name: 'keys list',
    help: ['List the signing keys: kid, algorithm, status, dates.'],
    run: listKeys,
  },
  {
    name: 'keys rotate',
    help: [
      'Make a new signing key active; the previous one keeps',
      'verifying the tokens it signed until they expire.',
    ],
    run: rotateKey,
  },
  {
    name: 'keys revoke',
    // A kid is base64url and may start with '-', so the operand is taken as it is; one starting
    // with '--' needs a '--' before it. A missing or malformed kid: checked by revokeKey.
    operand: { placeholder: 'kid', rule: 'dash-allowed' },
    help: [
      'Delete a signing key at once: tokens it signed are refused',
      '(running servers stop signing with it at once).',
      'Revoking the active key makes a new one. A kid starting',
      'with "--" goes after a "--": keys revoke -- <kid>.',
    ],
    run: revokeKey,
  },
];
