import type { ChainableCommander, Cluster, Redis } from 'ioredis';

/** How many replicas must confirm a revocation write (Redis `WAIT`), and how long to wait for them. */
export interface ReplicaWait {
  replicas: number;
  timeoutMs: number;
}

/**
 * Fewer replicas than asked confirmed a write in time. The write took effect on the primary, which
 * a failover may still lose: the caller answers 503 `temporarily_unavailable`, and a retry (the
 * revocations are idempotent) is acknowledged once the replicas have it.
 */
export class ReplicaWaitError extends Error {
  override readonly name = 'ReplicaWaitError';

  constructor(confirmed: number, wanted: number) {
    super(`redis: ${confirmed} of ${wanted} replicas confirmed the write in time`);
  }
}

/** How long a confirmed write waits for its replicas unless told (`GATEHOUSE_REDIS_WAIT_MS`). */
export const DEFAULT_REPLICA_WAIT_MS = 1000;

/** Checks the setting: at least one replica (zero means no waiting: pass no `ReplicaWait`). */
export function checkReplicaWait(wait: ReplicaWait): ReplicaWait {
  const { replicas, timeoutMs } = wait;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 16) {
    throw new TypeError('redis: waitForReplicas.replicas must be an integer from 1 to 16');
  }
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 60_000) {
    throw new TypeError('redis: waitForReplicas.timeoutMs must be an integer from 1 to 60000');
  }
  return { replicas, timeoutMs };
}

/** Where confirmed writes go, and what they wait for. */
export interface ConfirmedWrites {
  /**
   * A connection of the store's own for these writes: `WAIT` holds its connection until the
   * replicas answer, which must not hold every read of the store behind it.
   */
  connection: Redis | Cluster;
  wait: ReplicaWait;
}

/**
 * Sends `build`'s commands and then `WAIT` in one pipeline on the confirmed-writes connection (on
 * Redis Cluster the pipeline goes to the node of its keys, so `WAIT` asks about the same writes),
 * and resolves with the replies of `build`'s commands once enough replicas confirmed them.
 */
export async function writeConfirmed(
  writes: ConfirmedWrites,
  build: (pipeline: ChainableCommander) => void,
): Promise<unknown[]> {
  const pipeline = writes.connection.pipeline();
  build(pipeline);
  pipeline.wait(writes.wait.replicas, writes.wait.timeoutMs);
  const replies = (await pipeline.exec()) ?? [];
  const values = replies.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
  const confirmed = Number(values.pop());
  if (!(confirmed >= writes.wait.replicas)) throw new ReplicaWaitError(confirmed, writes.wait.replicas);
  return values;
}
