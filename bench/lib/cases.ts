import { describeError } from './format.ts';
import type { ScenarioResult } from './types.ts';

/**
 * Runs one case of a scenario; a throw is recorded as that case's failure (with its message) and
 * the scenario goes on with the next case. Returns undefined for a failed case.
 */
export async function attempt<T>(
  result: ScenarioResult,
  caseName: string,
  operation: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await operation();
  } catch (error) {
    result.failures.push({ case: caseName, reason: describeError(error) });
    return undefined;
  }
}

/** Marks a case as not runnable yet (a piece it needs has not landed), with the exact reason. */
export function unavailable(result: ScenarioResult, caseName: string, reason: string): void {
  result.unavailable.push({ case: caseName, reason: `not available yet: ${reason}` });
}
