/**
 * bench/lib/claims-budget.ts: what goal 2 (first sight ≥ 0.97× the raw check) leaves a verifier to
 * add, and when the run says that budget is gone before any verifier's own checks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addedMicrosBudget, claimsBudgetText } from '../../bench/lib/claims-budget.ts';

describe('bench: goal 2 budget beside the least a verifier adds', () => {
  it('allows exactly what keeps floor ÷ (floor + added) at the target', () => {
    const floor = 20;
    const budget = addedMicrosBudget(floor, 0.97);
    assert.ok(Math.abs(floor / (floor + budget) - 0.97) < 1e-12);
    assert.ok(budget > 0.61 && budget < 0.62, `${budget}`);
    assert.equal(addedMicrosBudget(80, 0.97), 4 * budget);
  });

  it('says beyond reach where the least work alone takes the budget, and not where it leaves room', () => {
    // 20 µs RSA check: 0.619 µs to spend; 0.93 µs of decoding and parsing has spent it.
    const spent = claimsBudgetText(20, 0.93, 0.97);
    assert.match(spent, /decodes \+ JSON\.parse alone 0\.930 µs, 150 % of the 0\.619 µs/);
    assert.match(spent, /beyond reach/);
    // 70 µs ES256 check: 2.16 µs to spend.
    const room = claimsBudgetText(70, 0.93, 0.97);
    assert.match(room, /, 43 % of the 2\.16 µs a verifier may add to reach 0\.97×$/);
    assert.doesNotMatch(room, /beyond reach/);
  });
});
