export { createMemoryStore } from './memory-store.ts';
export { createManualClock, type ManualClock } from './manual-clock.ts';
export { createFastHasher } from './fast-hasher.ts';
export { runStoreSuite, type StoreHarness } from './store-suite.ts';
