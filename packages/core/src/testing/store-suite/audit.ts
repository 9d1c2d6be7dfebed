import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CurrentStore, T0, makeEvent } from './fixtures.ts';

export function describeAudit(current: CurrentStore) {
  describe('audit', () => {
    it('appends events and returns them whole, newest first', async () => {
      const store = current();
      const first = makeEvent({
        at: T0,
        actorId: 'u1',
        subjectId: 'u2',
        sessionId: 's1',
        ip: '198.51.100.4',
        userAgent: 'curl/8',
        data: { reason: 'admin', nested: { count: 2, flags: [true, false] }, note: null },
      });
      const second = makeEvent({ at: T0 + 1, type: 'logout' });
      await store.audit.append(first);
      await store.audit.append(second);
      assert.deepEqual(await store.audit.query({ limit: 10 }), [second, first]);
      assert.deepEqual(await store.audit.query({ limit: 1 }), [second]);
    });

    it('filters by user (actor or subject), type and an inclusive time range', async () => {
      const store = current();
      const asActor = makeEvent({ at: T0 + 1, actorId: 'alice', subjectId: 'bob', type: 'session.revoked' });
      const asSubject = makeEvent({ at: T0 + 2, actorId: null, subjectId: 'alice', type: 'login.failure' });
      const bySession = makeEvent({ at: T0 + 3, sessionId: 'alice', type: 'login.failure' });
      const other = makeEvent({ at: T0 + 4, actorId: 'carol', subjectId: 'carol', type: 'login.success' });
      for (const event of [asSubject, other, asActor, bySession]) await store.audit.append(event);

      assert.deepEqual(await store.audit.query({ userId: 'alice', limit: 10 }), [asSubject, asActor]);
      assert.deepEqual(await store.audit.query({ userId: 'bob', limit: 10 }), [asActor]);
      assert.deepEqual(await store.audit.query({ type: 'login.failure', limit: 10 }), [bySession, asSubject]);
      assert.deepEqual(await store.audit.query({ from: T0 + 2, to: T0 + 3, limit: 10 }), [
        bySession,
        asSubject,
      ]);
      assert.deepEqual(await store.audit.query({ from: T0 + 4, limit: 10 }), [other]);
      assert.deepEqual(await store.audit.query({ to: T0 + 1, limit: 10 }), [asActor]);
      assert.deepEqual(await store.audit.query({ userId: 'alice', type: 'login.failure', limit: 10 }), [
        asSubject,
      ]);
      assert.deepEqual(await store.audit.query({ userId: 'alice', from: T0 + 2, to: T0 + 2, limit: 10 }), [
        asSubject,
      ]);
      assert.deepEqual(await store.audit.query({ userId: 'nobody', limit: 10 }), []);
    });

    it('applies the limit after filtering and ordering', async () => {
      const store = current();
      const events = Array.from({ length: 5 }, (_, index) =>
        makeEvent({ at: T0 + index, subjectId: 'dave' }),
      );
      for (const event of events) await store.audit.append(event);
      await store.audit.append(makeEvent({ at: T0 + 10, subjectId: 'erin' }));
      assert.deepEqual(await store.audit.query({ userId: 'dave', limit: 2 }), [events[4], events[3]]);
    });

    it('deleteBefore removes events strictly before the cut-off and counts them', async () => {
      const store = current();
      const events = [T0, T0 + 1, T0 + 2, T0 + 3].map((at) => makeEvent({ at }));
      for (const event of events) await store.audit.append(event);
      assert.equal(await store.audit.deleteBefore(T0 + 2), 2);
      assert.deepEqual(await store.audit.query({ limit: 10 }), [events[3], events[2]]);
      assert.equal(await store.audit.deleteBefore(T0 + 2), 0);
    });
  });
}
