import { randomBytes } from 'node:crypto';
import type { RevocationEvent } from '@gatehouse/core';
import type { ProbeOutcome, RevocationProbe } from './revocation-probe.ts';
import type { SigningFixture } from './signing-fixture.ts';
import { sleep, wallClockMs } from './timing.ts';

/**
 * One verifier's view of one revocation. Delays are milliseconds after the revoke call returned
 * (issue 14 goal 4 counts from there; negative when the event beat the call's answer), and, for
 * contrast, after the call began.
 */
export interface RevocationSample {
  verifier: number;
  eventDelayMs: number | null;
  refusalDelayMs: number | null;
  eventFromStartMs: number | null;
  refusalFromStartMs: number | null;
  /** How long the revoke call itself took, as its caller saw it. */
  callMs: number;
  /** Requests accepted at or after the call returned, before the first refusal. */
  acceptedAfter: number;
  /** Refusal code; anything but ERR_TOKEN_REVOKED means the round measured something else. */
  code: string | null;
}

/** How a transport issues a credential for a fresh session, and revokes that session. */
export interface RevocationDriver {
  mint(): Promise<{ token: string; sid: string }>;
  revoke(credential: { token: string; sid: string }): Promise<void>;
}

export interface RoundsOptions {
  rounds: number;
  driver: RevocationDriver;
  probes: RevocationProbe[];
  timeoutMs: number;
  onRound?(round: number, samples: RevocationSample[]): void;
}

/** Tokens from the bench's own signer; revocation is a session event published straight into the feed. */
export function publishingDriver(
  signing: SigningFixture,
  publish: (events: RevocationEvent[]) => Promise<void>,
): RevocationDriver {
  const sub = randomBytes(16).toString('base64url');
  return {
    async mint() {
      const sid = randomBytes(16).toString('base64url');
      return { token: (await signing.signer.sign({ sub, sid })).token, sid };
    },
    revoke: ({ sid }) => publish([{ type: 'session', sid, sub, until: Date.now() + 15 * 60_000 }]),
  };
}

/**
 * Revokes one fresh session per round while every verifier presents its token, and records, per
 * verifier, when the event arrived and when the first request was refused. A random pause before
 * each revocation keeps it from lining up with heartbeats or request ticks.
 */
export async function runRevocationRounds(options: RoundsOptions): Promise<RevocationSample[]> {
  const samples: RevocationSample[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const credential = await options.driver.mint();
    await Promise.all(options.probes.map((probe) => probe.watch(credential.token)));
    // Asked now, not once the call returned: a message to every verifier process just then would
    // compete with the event for the two cores (and wake each process once more).
    const pending = options.probes.map((probe) => probe.outcome(credential.sid, options.timeoutMs));
    for (const outcome of pending) outcome.catch(() => {}); // rejects through Promise.all below
    await sleep(20 + Math.random() * 40);
    const started = wallClockMs();
    await options.driver.revoke(credential);
    const returned = wallClockMs();
    const outcomes = await Promise.all(pending);
    const after = (at: number | null, t0: number) => (at === null ? null : at - t0);
    const roundSamples = outcomes.map((outcome: ProbeOutcome, verifier) => ({
      verifier: verifier + 1,
      eventDelayMs: after(outcome.eventAt, returned),
      refusalDelayMs: after(outcome.refusedAt, returned),
      eventFromStartMs: after(outcome.eventAt, started),
      refusalFromStartMs: after(outcome.refusedAt, started),
      callMs: returned - started,
      acceptedAfter: outcome.accepted.reduce((sum, [at, count]) => (at >= returned ? sum + count : sum), 0),
      code: outcome.code,
    }));
    options.onRound?.(round, roundSamples);
    samples.push(...roundSamples);
  }
  return samples;
}
