/**
 * Heap cost of one structure at N live entries, in a process of its own started with --expose-gc:
 * a full collection can be forced before each reading, and nothing measured before (the bench's
 * own allocations, or a previous structure that optimized code still keeps alive for
 * deoptimization) can leak into the baseline. Started by bench/scenarios/memory.ts.
 */
import { randomBytes } from 'node:crypto';
import { createRevocationSet, systemClock } from '@gatehouse/core';
import { runWorker } from '../lib/run-worker.ts';
// The SDK's cache is internal (not a package export); the bench measures the module itself.
import { createVerificationCache } from '../../packages/verify/src/lib/verification-cache.ts';

export interface MemoryConfig {
  /** The verifier's revocation set, or the floor: a plain Map of the same sids. */
  structure: 'revocation-set' | 'map' | 'verification-cache';
  entries: number;
}

export interface MemorySample {
  /** Heap growth with the structure alive, in bytes. */
  bytes: number;
  /** Revocation set only: time to apply every event, per event, and one isRevoked miss. */
  applyMicros?: number;
  lookupMicros?: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

/** JS heap plus ArrayBuffer backing stores (off the heap, where typed arrays keep their bytes). */
function heapAfterGc(): number {
  gc!();
  gc!();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** n distinct 128-bit ids as base64url strings, shaped like real sids and subs. */
function ids(n: number): string[] {
  const bytes = randomBytes(16 * n);
  return Array.from({ length: n }, (_, i) => bytes.toString('base64url', i * 16, i * 16 + 16));
}

function measureSet(n: number): MemorySample {
  const before = heapAfterGc();
  const set = createRevocationSet({ clock: systemClock });
  const sids = ids(n);
  const subs = ids(n);
  const until = Date.now() + 15 * 60_000;
  const started = performance.now();
  for (let i = 0; i < n; i++) set.apply({ type: 'session', sid: sids[i]!, sub: subs[i]!, until });
  const applyMicros = ((performance.now() - started) * 1000) / n;
  sids.length = 0;
  subs.length = 0;
  const bytes = heapAfterGc() - before;
  const probes = ids(10_000);
  const lookupStart = performance.now();
  for (const sid of probes) set.isRevoked({ sid, sub: sid, jti: sid, kid: 'k', iat: 0 });
  const lookupMicros = ((performance.now() - lookupStart) * 1000) / probes.length;
  if (set.size !== n) throw new Error(`expected ${n} entries, the set holds ${set.size}`);
  return { bytes, applyMicros, lookupMicros };
}

function measureMap(n: number): MemorySample {
  const before = heapAfterGc();
  const map = new Map<string, number>();
  const until = Date.now();
  for (const sid of ids(n)) map.set(sid, until);
  const bytes = heapAfterGc() - before;
  if (map.size !== n) throw new Error('map lost entries');
  return { bytes };
}

/** base64url text of `bytes` random bytes, as many characters as a token segment of that size has. */
function segment(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * The SDK verification cache holding n access tokens the way a verifier fills it: keyed by the
 * whole token string (ES256-sized: header 62, payload 160, signature 64 bytes before encoding),
 * with its frozen principal, its iat, and the sid/sub/jti/kid index entries.
 */
function measureCache(n: number): MemorySample {
  const before = heapAfterGc();
  const cache = createVerificationCache(n);
  const header = segment(62);
  const expiresAtMs = Date.now() + 10 * 60_000;
  const iat = Math.floor(Date.now() / 1000);
  for (let i = 0; i < n; i++) {
    const sid = segment(16);
    const sub = segment(16);
    const jti = segment(16);
    const principal = Object.freeze({
      sub,
      sid,
      roles: Object.freeze(['reader']) as string[],
      strategy: 'jwt' as const,
      exp: Math.floor(expiresAtMs / 1000),
    });
    // One flat string, as a token read from a request header is (a concatenation would be a rope).
    const token = Buffer.from(`${header}.${segment(160)}.${segment(64)}`, 'latin1').toString('latin1');
    cache.set(token, principal, expiresAtMs, { sid, sub, jti, kid: 'k1', iat });
  }
  const bytes = heapAfterGc() - before;
  if (cache.size !== n) throw new Error('the cache lost entries');
  return { bytes };
}

runWorker<MemoryConfig>(async (config) => {
  if (!gc) throw new Error('start this worker with --expose-gc');
  return {
    ready: {},
    call: () =>
      config.structure === 'map'
        ? measureMap(config.entries)
        : config.structure === 'verification-cache'
          ? measureCache(config.entries)
          : measureSet(config.entries),
    async close() {},
  };
});
