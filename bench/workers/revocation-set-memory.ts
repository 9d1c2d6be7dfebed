/**
 * Heap cost of one structure at N live entries, in a process of its own started with --expose-gc:
 * a full collection can be forced before each reading, and nothing measured before (the bench's
 * own allocations, or a previous structure that optimized code still keeps alive for
 * deoptimization) can leak into the baseline. Started by bench/scenarios/memory.ts.
 */
import { randomBytes } from 'node:crypto';
import { createRevocationSet, systemClock } from '@gatehouse/core';
import { runWorker } from '../lib/run-worker.ts';

export interface MemoryConfig {
  /** The verifier's revocation set, or the floor: a plain Map of the same sids. */
  structure: 'revocation-set' | 'map';
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

function heapAfterGc(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
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

runWorker<MemoryConfig>(async (config) => {
  if (!gc) throw new Error('start this worker with --expose-gc');
  return {
    ready: {},
    call: () => (config.structure === 'map' ? measureMap(config.entries) : measureSet(config.entries)),
    async close() {},
  };
});
