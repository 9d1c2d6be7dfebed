import { setTimeout as sleep } from 'node:timers/promises';

/** The bound on every wait in the e2e tests: long enough never to be the reason a correct run fails. */
export const WAIT_MS = 10_000;

/**
 * Calls `check` every `intervalMs` until it returns something other than undefined, and returns
 * that. Fails with `what` (and how long it waited) after `timeoutMs`.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  { timeoutMs = WAIT_MS, intervalMs = 20 } = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** p50, p99 and max of a list of milliseconds, as one line for `t.diagnostic`. */
export function summarizeMs(label: string, samples: readonly number[]): string {
  if (samples.length === 0) return `${label}: no samples`;
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  return `${label}: n=${sorted.length} p50=${ms(at(0.5))} p99=${ms(at(0.99))} max=${ms(sorted.at(-1)!)}`;
}
