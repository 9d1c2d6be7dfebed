import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createManualClock } from '../testing/manual-clock.ts';
import { type AnomalyAlert, createAnomalyDetector } from './anomaly-detector.ts';

const MINUTE = 60_000;
// A bucket boundary, so that `advance(MINUTE)` always lands in the next bucket.
const START = Date.UTC(2026, 0, 1);

function setup(rule: { minCount: number; factor?: number; baselineBuckets?: number } = { minCount: 5 }) {
  const clock = createManualClock(START);
  const alerts: AnomalyAlert<'failures' | 'reuse'>[] = [];
  const detector = createAnomalyDetector({
    clock,
    rules: {
      failures: { bucketMs: MINUTE, baselineBuckets: 10, factor: 3, ...rule },
      reuse: { minCount: 2 },
    },
    onAlert: (alert) => alerts.push(alert),
  });
  /** `counts[i]` events in minute i, the clock ending inside the last minute. */
  const play = (counts: number[]) => {
    counts.forEach((count, index) => {
      if (index > 0) clock.advance(MINUTE);
      for (let i = 0; i < count; i++) detector.record('failures');
    });
  };
  return { clock, detector, alerts, play };
}

describe('createAnomalyDetector', () => {
  it('on a quiet baseline, alerts when the bucket reaches minCount, once per bucket', () => {
    const { detector, alerts } = setup({ minCount: 5 });
    for (let i = 0; i < 4; i++) assert.equal(detector.record('failures'), null);
    const alert = detector.record('failures');
    assert.deepEqual(alert, {
      kind: 'failures',
      bucketStart: START,
      at: START,
      count: 5,
      baseline: 0,
      threshold: 5,
    });
    for (let i = 0; i < 20; i++)
      assert.equal(detector.record('failures'), null, 'no second alert in one bucket');
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0], alert, 'onAlert got the same alert');
  });

  it('against a busy baseline, needs more than factor × the median of the past buckets', () => {
    const { detector, alerts, play } = setup({ minCount: 5 });
    // Ten minutes of 10 failures each: the median is 10, so the bar is 31 (more than 3 × 10).
    play([10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 0]);
    // Only the first minute alerted: with no history yet, minCount alone decides.
    assert.equal(alerts.length, 1, 'a steady rate above minCount is not a spike');
    for (let i = 0; i < 30; i++) detector.record('failures');
    assert.equal(alerts.length, 1);
    assert.deepEqual(detector.status('failures'), {
      bucketStart: START + 10 * MINUTE,
      count: 30,
      baseline: 10,
      threshold: 31,
    });
    const alert = detector.record('failures');
    assert.equal(alert?.count, 31);
    assert.equal(alert?.baseline, 10);
    assert.equal(alert?.threshold, 31);
  });

  it('uses the median, so one earlier spike does not raise the bar', () => {
    const { alerts, play } = setup({ minCount: 5 });
    play([1, 1, 200, 1, 1, 1, 1, 1, 1, 1, 6]);
    // Minute 2 alerted (200 > 5); minute 10 alerts too: the median of the ten before it is 1.
    assert.deepEqual(
      alerts.map((alert) => [alert.bucketStart - START, alert.count, alert.baseline, alert.threshold]),
      [
        [2 * MINUTE, 5, 1, 5],
        [10 * MINUTE, 5, 1, 5],
      ],
    );
  });

  it('counts empty minutes as zero and forgets buckets older than the baseline window', () => {
    const { clock, detector, alerts, play } = setup({ minCount: 5 });
    play([40, 40, 40, 40, 40, 40, 40, 40, 40, 40]);
    assert.equal(alerts.length, 1, 'only the very first busy minute was unusual');
    // Half an hour of silence: the window is all zeros again, so minCount alone decides.
    clock.advance(30 * MINUTE);
    assert.equal(detector.status('failures').baseline, 0);
    for (let i = 0; i < 5; i++) detector.record('failures');
    assert.equal(alerts.length, 2);
  });

  it('a gap shorter than the window keeps the remaining history', () => {
    const { clock, detector, play } = setup({ minCount: 1, baselineBuckets: 4 } as { minCount: number });
    play([8, 8, 8]);
    clock.advance(2 * MINUTE); // minute 3 was empty, now in minute 4
    // History: 8, 8, 8 (minute 2 closed), 0 (minute 3): median 8.
    assert.equal(detector.status('failures').baseline, 8);
    clock.advance(MINUTE);
    // History: 8, 8, 0, 0 (the oldest 8 dropped, the empty minute 4 added): median (0 + 8) / 2 = 4.
    assert.equal(detector.status('failures').baseline, 4);
  });

  it('keeps kinds apart, each with its own rule', () => {
    const { detector, alerts } = setup({ minCount: 5 });
    detector.record('reuse');
    assert.equal(alerts.length, 0);
    detector.record('reuse');
    assert.deepEqual(
      alerts.map((alert) => [alert.kind, alert.count, alert.threshold]),
      [['reuse', 2, 2]],
    );
    assert.equal(detector.status('failures').count, 0);
  });

  it('record(kind, n) counts n at once and alerts when that crosses the threshold', () => {
    const { detector } = setup({ minCount: 5 });
    assert.equal(detector.record('failures', 4), null);
    assert.equal(detector.record('failures', 3)?.count, 7);
  });

  it('a clock stepping back keeps filling the current bucket', () => {
    const { clock, detector, play } = setup({ minCount: 50 });
    play([3, 3]);
    clock.advance(-5 * MINUTE);
    detector.record('failures');
    assert.deepEqual(detector.status('failures'), {
      bucketStart: START + MINUTE,
      count: 4,
      baseline: 3,
      threshold: 50,
    });
  });

  it('refuses bad rules and unknown kinds', () => {
    const clock = createManualClock(START);
    const make = (rule: Record<string, number>) =>
      createAnomalyDetector({ clock, rules: { x: { minCount: 1, ...rule } } });
    assert.throws(() => make({ minCount: 0 }), TypeError);
    assert.throws(() => make({ minCount: 1.5 }), TypeError);
    assert.throws(() => make({ factor: 0.5 }), TypeError);
    assert.throws(() => make({ factor: Number.NaN }), TypeError);
    assert.throws(() => make({ bucketMs: 10 }), TypeError);
    assert.throws(() => make({ baselineBuckets: 0 }), TypeError);
    const detector = make({});
    assert.throws(() => detector.record('y' as 'x'), TypeError);
    assert.throws(() => detector.record('x', 0), TypeError);
    assert.throws(() => detector.record('x', -1), TypeError);
  });
});
