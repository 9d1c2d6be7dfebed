import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { GatehouseStore } from '../store/types.ts';
import { describeAudit } from './store-suite/audit.ts';
import { describeAuditedWrites } from './store-suite/audited-writes.ts';
import type { CurrentStore } from './store-suite/fixtures.ts';
import { describeKeys } from './store-suite/keys.ts';
import { describeRefreshLookup } from './store-suite/refresh-lookup.ts';
import { describeRefreshRotation } from './store-suite/refresh-rotation.ts';
import { describeResetTokens } from './store-suite/reset-tokens.ts';
import { describeRevocationOutbox } from './store-suite/revocation-outbox.ts';
import { describeRevocations } from './store-suite/revocations.ts';
import { describeSessions } from './store-suite/sessions.ts';
import { describeUsers } from './store-suite/users.ts';

/** What `makeStore` hands the suite: a fresh, empty store and how to dispose of its backing resources. */
export interface StoreHarness {
  store: GatehouseStore;
  /** Runs after the suite has closed the store (drop the schema, delete the file). */
  cleanup?: () => Promise<void>;
}

/**
 * The one conformance suite every `GatehouseStore` backend passes. Every case gets its own fresh
 * store from `makeStore`, so cases never see each other's rows; the suite closes the store and then
 * calls `cleanup`.
 *
 * @example
 * runStoreSuite('memory', async () => ({ store: createMemoryStore() }));
 */
export function runStoreSuite(name: string, makeStore: () => Promise<StoreHarness>): void {
  describe(`GatehouseStore conformance: ${name}`, () => {
    let harness: StoreHarness | undefined;
    const current = (): GatehouseStore => {
      if (!harness) throw new Error('no store: beforeEach did not run');
      return harness.store;
    };

    beforeEach(async () => {
      harness = await makeStore();
    });
    afterEach(async () => {
      const finished = harness;
      harness = undefined;
      await finished?.store.close();
      await finished?.cleanup?.();
    });

    describeLifecycle(current);
    describeUsers(current);
    describeSessions(current);
    describeRefreshRotation(current);
    describeRefreshLookup(current);
    describeKeys(current);
    describeAudit(current);
    describeAuditedWrites(current);
    describeResetTokens(current);
    describeRevocations(current);
    describeRevocationOutbox(current);
  });
}

function describeLifecycle(current: CurrentStore) {
  describe('lifecycle', () => {
    it('names its kind and answers ping', async () => {
      const store = current();
      assert.equal(typeof store.kind, 'string');
      assert.ok(store.kind.length > 0);
      await store.ping();
    });
  });
}
