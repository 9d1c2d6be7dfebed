import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RevocationEvent } from '@gatehouse/core';
import { createManualClock } from '@gatehouse/core/testing';
import { createRecentEvents, RECENT_EVENTS_MAX, RECENT_EVENTS_MS } from './recent-events.ts';

const T0 = Date.UTC(2026, 0, 1);
const token = (jti: string, until = T0 + 3_600_000): RevocationEvent => ({ type: 'token', jti, until });
const jtis = (events: RevocationEvent[]) => events.map((event) => (event as { jti: string }).jti);

describe('createRecentEvents', () => {
  it('keeps what was published within the window, while its until (plus the retention) has not passed', () => {
    const clock = createManualClock(T0);
    const recent = createRecentEvents(clock);
    recent.add([token('a'), token('short', T0 + 1000)]);
    clock.advance(RECENT_EVENTS_MS - 1);
    recent.add([token('b')]);
    assert.deepEqual(jtis(recent.live(0)), ['a', 'b'], 'short is past its until');
    assert.deepEqual(jtis(recent.live(RECENT_EVENTS_MS)), ['a', 'short', 'b'], 'kept for the retention');
    clock.advance(1);
    assert.deepEqual(jtis(recent.live(0)), ['b'], 'a left the window');
    clock.advance(RECENT_EVENTS_MS);
    assert.deepEqual(recent.live(0), []);
  });

  it(`holds at most ${RECENT_EVENTS_MAX}, the newest`, () => {
    const clock = createManualClock(T0);
    const recent = createRecentEvents(clock);
    recent.add(Array.from({ length: RECENT_EVENTS_MAX + 5 }, (_, index) => token(`e${index}`)));
    const live = jtis(recent.live(0));
    assert.equal(live.length, RECENT_EVENTS_MAX);
    assert.deepEqual([live[0], live.at(-1)], ['e5', `e${RECENT_EVENTS_MAX + 4}`]);
  });
});
