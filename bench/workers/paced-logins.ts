/**
 * A paced login flood (and, alongside it, a few legitimate users logging in) in a process of its
 * own, so that sending hundreds of requests a second does not delay the bench's latency prober,
 * which shares no event loop with it. Started by the bench; not meant to be run by hand.
 */
import {
  type LegitLoginOptions,
  type LegitLoginResult,
  type PacedLoadOptions,
  type PacedLoadResult,
  runLegitLogins,
  runPacedLoad,
} from '../lib/paced-load.ts';
import { runWorker } from '../lib/run-worker.ts';

export interface PacedLoginsCall {
  flood: PacedLoadOptions;
  /** Legitimate users during the flood (their own connections); none if unset. */
  legit?: LegitLoginOptions;
}

export interface PacedLoginsReply {
  flood: PacedLoadResult;
  legit?: LegitLoginResult;
}

runWorker<Record<string, never>>(async () => ({
  ready: { pid: process.pid },
  async call(body: unknown): Promise<PacedLoginsReply> {
    const { flood, legit } = body as PacedLoginsCall;
    const [floodResult, legitResult] = await Promise.all([
      runPacedLoad(flood),
      legit ? runLegitLogins(legit) : Promise.resolve(undefined),
    ]);
    return { flood: floodResult, ...(legitResult ? { legit: legitResult } : {}) };
  },
  async close() {},
}));
