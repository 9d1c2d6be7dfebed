import { performance } from 'node:perf_hooks';
import type { PasswordHasher } from '@gatehouse/core';
import type { GatehouseMetrics } from './gatehouse-metrics.ts';

const seconds = (startedAt: number) => (performance.now() - startedAt) / 1000;

/**
 * The hasher, timed: `gatehouse_password_hash_duration_seconds{operation="hash"|"verify"}`.
 *
 * @example
 * createAuth({ store, hasher: instrumentHasher(createArgon2Hasher(), metrics) });
 */
export function instrumentHasher(
  hasher: PasswordHasher,
  metrics: Pick<GatehouseMetrics, 'passwordHashDuration'>,
): PasswordHasher {
  const { passwordHashDuration } = metrics;
  return {
    async hash(password) {
      const startedAt = performance.now();
      try {
        return await hasher.hash(password);
      } finally {
        passwordHashDuration.observe({ operation: 'hash' }, seconds(startedAt));
      }
    },
    async verify(encoded, password) {
      const startedAt = performance.now();
      try {
        return await hasher.verify(encoded, password);
      } finally {
        passwordHashDuration.observe({ operation: 'verify' }, seconds(startedAt));
      }
    },
    needsRehash: (encoded) => hasher.needsRehash(encoded),
  };
}
