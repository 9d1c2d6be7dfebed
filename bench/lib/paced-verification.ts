import type { VerifyResult } from '@gatehouse/verify';
import { wallClockMs } from './timing.ts';

export interface RoundOutcome {
  /** Wall-clock time of the first refused request; null when none came before the timeout. */
  refusedAt: number | null;
  /** The refusal's code, e.g. ERR_TOKEN_REVOKED (anything else is a failed round). */
  code: string | null;
  /** Wall-clock time of each tick that accepted requests, and how many: enough to count what was accepted after any instant. */
  accepted: [number, number][];
}

/**
 * Presents one token to a verifier at a steady rate, as a service under constant traffic would,
 * and notes when the first refusal comes. Requests are issued on a 1 ms timer, as many per tick as
 * are due; the verifier is never saturated, so the delay measured is the feed's, not the CPU's.
 */
export function createPacedVerification(
  verify: (token: string) => Promise<VerifyResult>,
  ratePerSecond: number,
) {
  let token = '';
  let startedAt = 0;
  let issued = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  let busy = false;
  // (tick time, accepted in that tick): enough to count what was accepted after any instant.
  let ticks: [number, number][] = [];
  let refused: { at: number; code: string } | undefined;
  let onSettled: (() => void) | undefined;

  async function tick(): Promise<void> {
    if (busy || refused) return;
    busy = true;
    try {
      const due = Math.floor(((performance.now() - startedAt) * ratePerSecond) / 1000) - issued;
      const at = wallClockMs();
      let accepted = 0;
      for (let i = 0; i < due && !refused; i++) {
        issued++;
        const result = await verify(token);
        if (result.ok) accepted++;
        else refused = { at: wallClockMs(), code: result.code };
      }
      if (accepted > 0) ticks.push([at, accepted]);
      if (refused) stop();
    } finally {
      busy = false;
      onSettled?.();
    }
  }

  function stop(): void {
    clearInterval(timer);
    timer = undefined;
  }

  return {
    /** Starts presenting `token`; resolves once the verifier accepted it (it is now cached). */
    async watch(next: string): Promise<void> {
      stop();
      token = next;
      ticks = [];
      refused = undefined;
      const first = await verify(token);
      if (!first.ok) throw new Error(`the verifier refused a fresh token: ${first.code}`);
      startedAt = performance.now();
      issued = 0;
      timer = setInterval(() => void tick(), 1);
    },

    /**
     * Waits for the first refusal (or the timeout). Asked before the revocation, so that nothing
     * but the refusal itself happens in this process when the event comes.
     */
    outcome(timeoutMs: number): Promise<RoundOutcome> {
      return new Promise((resolve) => {
        const finish = () => {
          clearTimeout(deadline);
          onSettled = undefined;
          stop();
          resolve({
            refusedAt: refused?.at ?? null,
            code: refused?.code ?? null,
            accepted: ticks,
          });
        };
        const deadline = setTimeout(finish, timeoutMs);
        onSettled = () => {
          if (refused) finish();
        };
        onSettled();
      });
    },

    stop,
  };
}
