import { randomBytes, randomFillSync } from 'node:crypto';

/** Source of cryptographically secure random bytes, injected for tests. */
export interface RandomSource {
  bytes(length: number): Uint8Array;
}

/** Bytes drawn from the CSPRNG at once for small requests (ids, secrets, IVs). */
const POOL_BYTES = 4096;
/** Requests above this go to the CSPRNG directly. */
const MAX_POOLED = 256;

const pool = new Uint8Array(POOL_BYTES);
let taken = POOL_BYTES;

/**
 * `randomBytes` with small requests served from a block drawn from the CSPRNG 4 KiB at a time,
 * as Node's own `randomUUID` does: each `randomBytes` call costs a job object and a locked
 * OpenSSL DRBG call (~2 µs; a login makes three). The bytes are the same CSPRNG output, in order;
 * each is handed out once, as a Buffer of its own (never a view of the block), and zeroed in the
 * block when handed out.
 */
function pooledRandomBytes(length: number): Buffer {
  if (length > MAX_POOLED) return randomBytes(length);
  if (taken + length > POOL_BYTES) {
    randomFillSync(pool);
    taken = 0;
  }
  const bytes = Buffer.allocUnsafeSlow(length);
  bytes.set(pool.subarray(taken, taken + length));
  pool.fill(0, taken, taken + length);
  taken += length;
  return bytes;
}

export const systemRandom: RandomSource = { bytes: pooledRandomBytes };
