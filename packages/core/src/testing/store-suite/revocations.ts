import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CurrentStore, T0, SECOND, MINUTE } from './fixtures.ts';

export function describeRevocations(current: CurrentStore) {
  describe('durable revocations', () => {
    it('records events, keeps the later until and before, lists the live ones and sweeps the rest', async (t) => {
      const store = current();
      if (!store.revocations)
        return t.skip(`${store.kind} keeps no durable revocations (the feed's Redis is the copy)`);
      const { revocations } = store;
      await revocations.record([
        { type: 'session', sid: 's1', sub: 'u1', until: T0 + MINUTE },
        { type: 'user', sub: 'u2', before: T0, until: T0 + MINUTE },
        { type: 'token', jti: 'j1', until: T0 + SECOND },
        { type: 'key', kid: 'k1', until: T0 + 2 * MINUTE },
      ]);
      // Again, with an earlier until (ignored) and a later one (kept); a later `before` wins.
      await revocations.record([
        { type: 'session', sid: 's1', sub: 'u1', until: T0 + SECOND },
        { type: 'user', sub: 'u2', before: T0 + SECOND, until: T0 + 3 * MINUTE },
        { type: 'user', sub: 'u2', before: T0 - SECOND, until: T0 },
      ]);
      const byKey = (events: Awaited<ReturnType<typeof revocations.listLive>>) =>
        events.map((event) => JSON.stringify(event)).sort();
      assert.deepEqual(
        byKey(await revocations.listLive(T0)),
        byKey([
          { type: 'session', sid: 's1', sub: 'u1', until: T0 + MINUTE },
          { type: 'user', sub: 'u2', before: T0 + SECOND, until: T0 + 3 * MINUTE },
          { type: 'token', jti: 'j1', until: T0 + SECOND },
          { type: 'key', kid: 'k1', until: T0 + 2 * MINUTE },
        ]),
      );
      assert.deepEqual(
        byKey(await revocations.listLive(T0 + 2 * SECOND)).map((json) => JSON.parse(json).type),
        ['key', 'session', 'user'],
      );
      assert.equal(await revocations.deleteExpired(T0 + 2 * MINUTE), 2);
      assert.deepEqual((await revocations.listLive(0)).map((event) => event.type).sort(), ['key', 'user']);
    });
  });
}
