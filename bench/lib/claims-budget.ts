import { formatNumber } from './format.ts';

/**
 * Goal 2 of issue 14 asks a verifier to keep ≥ `target` of the raw signature check's throughput:
 * floor ÷ (floor + added) ≥ target, so it may add at most floor × (1 ÷ target − 1) µs a token.
 */
export function addedMicrosBudget(floorMicros: number, target: number): number {
  return floorMicros * (1 / target - 1);
}

/**
 * That budget beside the steps every verifier that checks claims takes besides the signature
 * check: the payload and signature decoded from base64url, the payload's JSON parsed. Timed alone
 * and hot, in the same rounds, they are less than any such verifier adds (it also checks the
 * token's format and its claims, and runs them between signature checks), so where they take the
 * whole budget, no such verifier can reach the target on this machine.
 */
export function claimsBudgetText(floorMicros: number, leastMicros: number, target: number): string {
  const budget = addedMicrosBudget(floorMicros, target);
  const share = Math.round((100 * leastMicros) / budget);
  const text = `decodes + JSON.parse alone ${formatNumber(leastMicros)} µs, ${share} % of the ${formatNumber(budget)} µs a verifier may add to reach ${target}×`;
  return leastMicros >= budget
    ? `${text}: beyond reach of any verifier that reads its claims, on this machine`
    : text;
}
