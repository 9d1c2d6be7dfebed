import { randomBytes } from 'node:crypto';

/** Source of cryptographically secure random bytes, injected for tests. */
export interface RandomSource {
  bytes(length: number): Uint8Array;
}

export const systemRandom: RandomSource = { bytes: (length) => randomBytes(length) };
