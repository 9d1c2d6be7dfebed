import { createHmac } from 'node:crypto';
import { type Clock, systemClock } from '../clock.ts';
import { constantTimeEqual } from '../lib/encoding.ts';

/** Server-provided DPoP nonces (RFC 9449 §8, §9). */
export interface DpopNonces {
  /** The nonce to hand out now (`DPoP-Nonce` header). */
  current(): string;
  /** Whether a proof's `nonce` is the current one or the one before it. */
  isValid(nonce: unknown): boolean;
}

export interface DpopNoncesOptions {
  /** At least 32 bytes. Instances that share it accept each other's nonces: nothing is stored. */
  secret: Uint8Array;
  /** How long a nonce is handed out; it is accepted for up to twice that. Default 300 s. */
  lifetimeSeconds?: number;
  clock?: Clock;
}

/**
 * Stateless nonces: an HMAC of the current time window, so every instance with the same secret
 * issues and accepts the same values, and a proof can only have been made after the window began.
 *
 * @example
 * const nonces = createDpopNonces({ secret: randomBytes(32) });
 * reply.header('dpop-nonce', nonces.current());
 */
export function createDpopNonces(options: DpopNoncesOptions): DpopNonces {
  const { secret, clock = systemClock } = options;
  if (!(secret instanceof Uint8Array) || secret.length < 32)
    throw new TypeError('secret must be 32 bytes or more');
  const lifetimeMs = (options.lifetimeSeconds ?? 300) * 1000;
  if (!Number.isSafeInteger(lifetimeMs) || lifetimeMs < 1000)
    throw new TypeError('lifetimeSeconds must be ≥ 1');
  const nonceFor = (window: number) =>
    createHmac('sha256', secret).update(`gatehouse/dpop-nonce/v1:${window}`).digest('base64url');
  const windowAt = () => Math.floor(clock.now() / lifetimeMs);
  return {
    current: () => nonceFor(windowAt()),
    isValid(nonce) {
      if (typeof nonce !== 'string' || nonce.length !== 43) return false;
      const window = windowAt();
      return constantTimeEqual(nonce, nonceFor(window)) || constantTimeEqual(nonce, nonceFor(window - 1));
    },
  };
}
