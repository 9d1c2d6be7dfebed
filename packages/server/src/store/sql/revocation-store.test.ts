import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GatehouseStore, RevocationEvent } from '@gatehouse/core';
import { openPostgresStore } from '../postgres/postgres-store.ts';
import { createTestSchemaName, dropTestSchema, testDatabaseUrl } from '../postgres/test-database.ts';
import { openSqliteStore } from '../sqlite/sqlite-store.ts';

const T0 = Date.UTC(2026, 0, 1);

// More keys than one INSERT carries (sql/revocation-store.ts), each named by two events in a row.
const events: RevocationEvent[] = Array.from({ length: 250 }, (_, index) => ({
  type: 'user',
  sub: `user-${Math.floor(index / 2) % 120}`,
  before: T0 + index,
  until: T0 + 60_000 + index,
}));

async function check(store: GatehouseStore): Promise<void> {
  await store.revocations!.record(events);
  // Recorded again: an older event changes nothing, a newer one moves both bounds.
  await store.revocations!.record([{ type: 'user', sub: 'user-5', before: T0, until: T0 + 1 }]);
  await store.revocations!.record([{ type: 'user', sub: 'user-2', before: T0 + 999, until: T0 + 99_999 }]);
  const live = await store.revocations!.listLive(T0);
  assert.equal(live.length, 120);
  const latest = live.find((event) => event.type === 'user' && event.sub === 'user-5');
  // user-5 was named by events 10 and 11: the later `before` and `until` win.
  assert.deepEqual(latest, { type: 'user', sub: 'user-5', before: T0 + 11, until: T0 + 60_011 });
  const wrapped = live.find((event) => event.type === 'user' && event.sub === 'user-2');
  assert.deepEqual(wrapped, { type: 'user', sub: 'user-2', before: T0 + 999, until: T0 + 99_999 });
}

describe('revocations recorded in one batch larger than a statement', () => {
  it('keep the latest of each key in SQLite', async () => {
    const store = await openSqliteStore({ path: ':memory:' });
    try {
      await check(store);
    } finally {
      await store.close();
    }
  });

  it('keep the latest of each key in PostgreSQL', async () => {
    const schema = createTestSchemaName();
    const store = await openPostgresStore({ connectionString: testDatabaseUrl, schema });
    try {
      await check(store);
    } finally {
      await store.close();
      await dropTestSchema(schema);
    }
  });
});
