import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createManualClock } from '../testing/manual-clock.ts';
import type { RevocationEvent } from './revocation-event.ts';
import { createRevocationSet } from './revocation-set.ts';

const MINUTE = 60_000;

function setup(retainAfterUntilMs = 0) {
  const clock = createManualClock();
  const set = createRevocationSet({ clock, retainAfterUntilMs });
  const until = clock.now() + 10 * MINUTE;
  return { clock, set, until };
}

const token = { sid: 's1', sub: 'u1', jti: 'j1', kid: 'k1', iat: 0 };

describe('createRevocationSet', () => {
  it('refuses nothing when empty', () => {
    const { set } = setup();
    assert.equal(set.isRevoked(token), false);
    assert.equal(set.size, 0);
  });

  it('refuses what an event names once it arrives, after the set was empty (asked) or emptied by prune', () => {
    // 22 base64url characters, as sid and sub: kept in the compact session form.
    const compactSid = 'AAAAAAAAAAAAAAAAAAAAAA';
    const events: [RevocationEvent, object][] = [
      [{ type: 'session', sid: 's1', sub: 'u1', until: 0 }, { sid: 's1' }],
      [{ type: 'session', sid: compactSid, sub: compactSid, until: 0 }, { sid: compactSid }],
      [{ type: 'token', jti: 'j1', until: 0 }, { jti: 'j1' }],
      [{ type: 'key', kid: 'k1', until: 0 }, { kid: 'k1' }],
      [
        { type: 'user', sub: 'u1', before: 1000, until: 0 },
        { sub: 'u1', iat: 0 },
      ],
    ];
    for (const [event, query] of events) {
      const { clock, set, until } = setup();
      assert.equal(set.isRevoked({ ...token, ...query }), false, `${event.type}: empty`);
      set.apply({ ...event, until });
      assert.equal(set.isRevoked({ ...token, ...query }), true, `${event.type}: applied`);
      assert.equal(set.isRevoked(query), true, `${event.type}: alone`);
      clock.set(until + 1);
      assert.equal(set.prune(), 1);
      assert.equal(set.isRevoked({ ...token, ...query }), false, `${event.type}: pruned`);
      set.apply({ ...event, until: until + MINUTE });
      assert.equal(set.isRevoked({ ...token, ...query }), true, `${event.type}: again`);
    }
  });

  it('a session event revokes its sid and nothing else', () => {
    const { set, until } = setup();
    set.apply({ type: 'session', sid: 's1', sub: 'u1', until });
    assert.equal(set.isRevoked({ sid: 's1' }), true);
    assert.equal(set.isRevoked({ ...token, sid: 's2' }), false, 'same user, other session');
  });

  it('a token event revokes its jti only', () => {
    const { set, until } = setup();
    set.apply({ type: 'token', jti: 'j1', until });
    assert.equal(set.isRevoked({ jti: 'j1' }), true);
    assert.equal(set.isRevoked({ ...token, jti: 'j2' }), false);
  });

  it('a key event revokes every token signed with its kid', () => {
    const { set, until } = setup();
    set.apply({ type: 'key', kid: 'k1', until });
    assert.equal(set.isRevoked({ kid: 'k1' }), true);
    assert.equal(set.isRevoked({ ...token, kid: 'k2' }), false);
  });

  it('a user event revokes tokens issued strictly before `before`', () => {
    const { clock, set, until } = setup();
    const before = clock.now();
    set.apply({ type: 'user', sub: 'u1', before, until });
    const iatAt = (ms: number) => Math.floor(ms / 1000);
    assert.equal(set.isRevoked({ sub: 'u1', iat: iatAt(before - 1000) }), true, 'issued a second earlier');
    assert.equal(set.isRevoked({ sub: 'u1', iat: iatAt(before) }), false, 'iat*1000 == before is not before');
    assert.equal(set.isRevoked({ sub: 'u1', iat: iatAt(before + 1000) }), false, 'issued after');
    assert.equal(set.isRevoked({ sub: 'u2', iat: iatAt(before - 1000) }), false, 'other user');
    assert.equal(set.isRevoked({ sub: 'u1' }), true, 'a missing iat counts as issued before');
  });

  it('apply is idempotent and keeps the later until and before whatever the order', () => {
    const { clock, set, until } = setup();
    const events: RevocationEvent[] = [
      { type: 'session', sid: 's1', sub: 'u1', until },
      { type: 'user', sub: 'u1', before: clock.now(), until },
      { type: 'token', jti: 'j1', until },
      { type: 'key', kid: 'k1', until },
    ];
    for (const event of events) set.apply(event);
    const once = set.snapshot();
    for (const event of events) set.apply(event);
    assert.deepEqual(set.snapshot(), once);
    assert.equal(set.size, 4);

    set.apply({ type: 'user', sub: 'u1', before: clock.now() + 5000, until: until + 1 });
    set.apply({ type: 'user', sub: 'u1', before: clock.now() - 5000, until: until - 1 });
    set.apply({ type: 'token', jti: 'j1', until: until - 1 });
    const snap = set.snapshot();
    assert.deepEqual(
      snap.find((e) => e.type === 'user'),
      { type: 'user', sub: 'u1', before: clock.now() + 5000, until: until + 1 },
    );
    assert.deepEqual(
      snap.find((e) => e.type === 'token'),
      { type: 'token', jti: 'j1', until },
    );
  });

  it('prune drops an entry once now passes until, not at until', () => {
    const { clock, set, until } = setup();
    set.apply({ type: 'session', sid: 's1', sub: 'u1', until });
    set.apply({ type: 'token', jti: 'j1', until: until + MINUTE });
    clock.set(until);
    assert.equal(set.prune(), 0);
    assert.equal(set.isRevoked({ sid: 's1' }), true);
    clock.set(until + 1);
    assert.equal(set.prune(), 1);
    assert.equal(set.isRevoked({ sid: 's1' }), false);
    assert.equal(set.isRevoked({ jti: 'j1' }), true);
    assert.equal(set.size, 1);
  });

  it('keeps entries retainAfterUntilMs past until, covering the verifier leeway', () => {
    const clock = createManualClock();
    const set = createRevocationSet({ clock });
    const until = clock.now() + MINUTE;
    set.apply({ type: 'key', kid: 'k1', until });
    clock.set(until + 59_999);
    set.prune();
    assert.equal(set.isRevoked({ kid: 'k1' }), true, 'default retention is 60 s');
    clock.set(until + 60_001);
    set.prune();
    assert.equal(set.isRevoked({ kid: 'k1' }), false);
  });

  it('ignores an event that is already past its retention', () => {
    const { clock, set } = setup();
    set.apply({ type: 'token', jti: 'old', until: clock.now() - 1 });
    assert.equal(set.size, 0);
  });

  it('prunes lazily on apply once the prune interval has passed', () => {
    const clock = createManualClock();
    const set = createRevocationSet({ clock, retainAfterUntilMs: 0, pruneIntervalMs: MINUTE });
    set.apply({ type: 'token', jti: 'short', until: clock.now() + 1000 });
    clock.advance(MINUTE);
    set.apply({ type: 'token', jti: 'fresh', until: clock.now() + MINUTE });
    assert.equal(set.size, 1);
    assert.equal(set.isRevoked({ jti: 'short' }), false);
  });

  it('snapshot rebuilds an equivalent set', () => {
    const { clock, set, until } = setup();
    set.apply({ type: 'session', sid: 's1', sub: 'u1', until });
    set.apply({ type: 'user', sub: 'u2', before: clock.now(), until });
    const copy = createRevocationSet({ clock, retainAfterUntilMs: 0 });
    for (const event of set.snapshot()) copy.apply(event);
    assert.deepEqual(copy.snapshot(), set.snapshot());
    assert.equal(copy.isRevoked({ sid: 's1' }), true);
  });

  it('notifies onApply listeners, and stops after unsubscribe', () => {
    const { set, until } = setup();
    const seen: RevocationEvent[] = [];
    const off = set.onApply((event) => seen.push(event));
    const event: RevocationEvent = { type: 'token', jti: 'j1', until };
    set.apply(event);
    off();
    set.apply(event);
    assert.deepEqual(seen, [event]);
  });

  it('refuses nonsensical options', () => {
    const clock = createManualClock();
    assert.throws(() => createRevocationSet({ clock, retainAfterUntilMs: -1 }), TypeError);
    assert.throws(() => createRevocationSet({ clock, pruneIntervalMs: 0 }), TypeError);
  });
});
