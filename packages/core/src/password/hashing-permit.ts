import type { RequestContext } from '../audit/audit-log.ts';
import { toBase64Url } from '../lib/encoding.ts';
import { nextEventLoopTurn } from '../lib/event-loop-turn.ts';
import type { RandomSource } from '../random.ts';
import { ipThrottleKey } from '../throttle/throttle-keys.ts';
import type { HashPermit, HashPurpose, PasswordHasher } from './password-hasher.ts';

/**
 * Holds a place with a bounded hasher (`limitHasher`) for one operation, and waits for its turn,
 * before it reads or writes anything: at capacity (or displaced while waiting) this throws
 * `OverloadedError`, so no throttle counter, session or token changes, alike for every account.
 * `keys` share the places fairly (see `hashingKeys`). An unbounded hasher is used as it is.
 */
export async function admitHashing(
  hasher: PasswordHasher,
  purpose: HashPurpose,
  keys: readonly string[] = [],
): Promise<HashPermit> {
  const permit = hasher.admit?.(purpose, keys) ?? { hasher, release() {} };
  // A displaced permit has already given its place back: nothing to release.
  if (permit.ready) {
    await permit.ready;
    // Started by the end of another operation (its hash answered): its reads and its own hash
    // request wait for the event loop's next turn, so that they are not one stretch with the end
    // of the other operation. A place taken at once goes on directly.
    await nextEventLoopTurn();
  }
  return permit;
}

/**
 * The keys a hashing operation is shared fairly by: the client's address (IPv6 by its /64, as the
 * throttles count it) and, for a login, the account asked for (whether or not it exists: the
 * normalised email, never looked up). No address (the CLI): the account alone, or none.
 */
export function hashingKeys(context: RequestContext, normalizedEmail?: string | null): string[] {
  const keys: string[] = [];
  const ip = ipThrottleKey(context.ip);
  if (ip !== null) keys.push(`ip:${ip}`);
  if (normalizedEmail) keys.push(`account:${normalizedEmail}`);
  return keys;
}

/** A hash to verify against when the account does not exist, so timing does not reveal it. */
export interface DummyHash {
  get(admitted: PasswordHasher): Promise<string>;
}

/** Made once, on first use, with whichever hasher holds the place; a failed hash is not kept. */
export function createDummyHash(random: RandomSource): DummyHash {
  let dummyHash: Promise<string> | undefined;
  return {
    get(admitted) {
      if (!dummyHash) {
        dummyHash = admitted.hash(toBase64Url(random.bytes(24)));
        // A failed hash is not kept: the next login tries again.
        dummyHash.catch(() => {
          dummyHash = undefined;
        });
      }
      return dummyHash;
    },
  };
}
