export { createMemoryStore } from './memory-store.ts';
export { createManualClock, type ManualClock } from './manual-clock.ts';
export { createFastHasher } from './fast-hasher.ts';
export { runStoreSuite, type StoreHarness } from './store-suite.ts';
export { makeEvent, makeRotation, makeSession, makeUser, T0 } from './store-suite/fixtures.ts';
export { type AttackCase, type AttackCatalogueOptions, buildAttackCatalogue } from './attack-tokens.ts';
export {
  createTokenForger,
  encodeSegment,
  generateTestSigningKey,
  generateTestSigningKeys,
  type JsonObject,
  signJwsInput,
  type TestSigningKey,
  type TokenForger,
  type TokenForgerOptions,
} from './token-forger.ts';
export {
  createTestDpopKey,
  encodeTestJws,
  makeTestDpopProof,
  type TestDpopKey,
  type TestDpopProofInput,
} from './dpop-proof.ts';
export { type BusyCores, type BusyCoresOptions, busyEveryCore } from './busy-cores.ts';
export {
  SCHED_IDLE,
  SCHED_OTHER,
  STAT_NICE,
  STAT_POLICY,
  threadStatField,
} from './thread-stat.ts';
