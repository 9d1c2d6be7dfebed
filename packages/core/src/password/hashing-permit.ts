import { toBase64Url } from '../lib/encoding.ts';
import type { RandomSource } from '../random.ts';
import type { HashPermit, HashPurpose, PasswordHasher } from './password-hasher.ts';

/**
 * Holds a place with a bounded hasher (`limitHasher`) for one operation before it reads or
 * writes anything: at capacity this throws `OverloadedError`, so no throttle counter, session or
 * token changes, alike for every account. An unbounded hasher is used as it is.
 */
export function admitHashing(hasher: PasswordHasher, purpose: HashPurpose): HashPermit {
  return hasher.admit?.(purpose) ?? { hasher, release() {} };
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
