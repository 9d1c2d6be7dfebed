/**
 * One downstream service for the revocation scenario, in a process of its own: a revocation probe
 * (SDK verifier + steady requests) following the feed over a real transport. Started by
 * bench/scenarios/revocation.ts; not meant to be run by hand.
 */
import type { JWK } from 'jose';
import { type FeedTransport, openFeedSource } from '../lib/feed-transports.ts';
import { startRevocationProbe } from '../lib/revocation-probe.ts';
import { runWorker } from '../lib/run-worker.ts';

export interface RevocationVerifierConfig {
  jwks: { keys: JWK[] };
  ratePerSecond: number;
  transport: FeedTransport;
}

export type RevocationVerifierCall =
  | { op: 'watch'; token: string }
  | { op: 'outcome'; sid: string; timeoutMs: number };

runWorker<RevocationVerifierConfig>(async (config) => {
  const opened = await openFeedSource(config.transport);
  const probe = await startRevocationProbe(opened.feed, config.jwks, config.ratePerSecond);
  return {
    ready: { pid: process.pid },
    call(body) {
      const call = body as RevocationVerifierCall;
      return call.op === 'watch' ? probe.watch(call.token) : probe.outcome(call.sid, call.timeoutMs);
    },
    async close() {
      await probe.close();
      await opened.close();
    },
  };
});
