import type { Clock, RevocationEvent, RevocationPublisher } from '@gatehouse/core';

export interface ReliablePublisherOptions {
  /** The transport: publishing may fail while it is unreachable. */
  inner: RevocationPublisher & { heartbeat(): Promise<void> };
  clock: Clock;
  /** How often pending events are retried and, when nothing is pending, a heartbeat is sent. Default 1000. */
  intervalMs?: number;
  /**
   * `publish` waits at most this long for the feed, then returns with the event still pending (it
   * is retried in the background). A logout must not hang on a feed that is down. Default 250.
   */
  publishWaitMs?: number;
  /**
   * A pending event is kept this long past its `until`, because verifiers accept a token that long
   * past its `exp` (leeway): dropping it at `until` would let a revoked token through. Default 60 000.
   */
  retainAfterUntilMs?: number;
  onError: (error: Error) => void;
  /**
   * Asked on each step once nothing is pending here: events the store's outbox still holds pending
   * past a grace (a server that recorded them died before publishing). They are published before
   * the heartbeat, which is withheld if they do not land.
   */
  recover?: () => Promise<RevocationEvent[]>;
  /** Told, on the next step (off the request path), which events landed on the feed. */
  confirm?: (events: RevocationEvent[]) => Promise<void>;
}

export interface ReliablePublisher extends RevocationPublisher {
  /** Events accepted but not yet on the feed. */
  readonly pending: number;
  /** One retry-or-heartbeat step now (the timer calls this). */
  tick(): Promise<void>;
  /** Tries the pending events once now, without a heartbeat; resolves true when none is left. */
  retry(): Promise<boolean>;
  /** Tells `confirm` now about the events that landed since it was last told. */
  confirm(): Promise<void>;
  start(): void;
  stop(): void;
}

/**
 * Makes a revocation survive a feed outage. The store has already deleted the session when an
 * event is published, so a failed publish must not fail the logout, nor be forgotten: it is kept
 * and retried until it lands or every token it covers has expired (`until`).
 *
 * The heartbeat is what tells verifiers "you have heard everything"; it is withheld while any
 * event is pending. So verifiers cut off from a revocation go stale and fail closed (or
 * introspect) instead of resuming on a feed that silently lacks it.
 */
export function createReliablePublisher(options: ReliablePublisherOptions): ReliablePublisher {
  const { inner, clock, onError } = options;
  const intervalMs = options.intervalMs ?? 1000;
  const publishWaitMs = options.publishWaitMs ?? 250;
  const retainMs = options.retainAfterUntilMs ?? 60_000;
  let queue: RevocationEvent[] = [];
  const outbox = createOutboxLink(options);
  let timer: ReturnType<typeof setInterval> | undefined;
  let running: Promise<void> | undefined;
  // One flush at a time: two in flight would each slice off the other's batch.
  let flushing: Promise<boolean> = Promise.resolve(true);

  function flush(): Promise<boolean> {
    flushing = flushing.then(flushOnce, flushOnce);
    return flushing;
  }

  async function flushOnce(): Promise<boolean> {
    queue = queue.filter((event) => event.until + retainMs > clock.now());
    if (queue.length === 0) return true;
    const batch = queue;
    try {
      await inner.publish(batch);
      queue = queue.slice(batch.length);
      outbox.landed(batch);
      return queue.length === 0;
    } catch (error) {
      onError(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
  }

  async function step(): Promise<void> {
    const flushed = await flush();
    await outbox.confirm();
    if (!flushed) return;
    // Only with nothing pending here, so an outage does not pile the same rows up in the queue.
    const recovered = await outbox.recover();
    if (recovered.length > 0) {
      queue = [...queue, ...recovered];
      if (!(await flush())) return;
      await outbox.confirm();
    }
    await inner.heartbeat();
  }

  return {
    get pending() {
      return queue.length;
    },
    async publish(events) {
      // Order matters to no one (events are idempotent), but earlier failures go first anyway.
      queue = [...queue, ...events];
      const flushed = flush();
      let timeout: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        flushed,
        new Promise<void>((resolve) => {
          timeout = setTimeout(resolve, publishWaitMs);
        }),
      ]);
      clearTimeout(timeout);
    },
    retry: () => flush(),
    confirm: () => outbox.confirm(),
    tick() {
      running ??= step()
        .catch((error: unknown) => onError(error instanceof Error ? error : new Error(String(error))))
        .finally(() => {
          running = undefined;
        });
      return running;
    },
    start() {
      timer ??= setInterval(() => void this.tick(), intervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

/** The publisher's side of the store's outbox: what to publish again, and what landed. */
function createOutboxLink({ recover, confirm, onError }: ReliablePublisherOptions) {
  const report = (error: unknown) => onError(error instanceof Error ? error : new Error(String(error)));
  /** Landed on the feed, not yet confirmed to the outbox. */
  let landed: RevocationEvent[] = [];
  return {
    landed(events: RevocationEvent[]): void {
      if (confirm) landed = [...landed, ...events];
    },
    async confirm(): Promise<void> {
      if (!confirm || landed.length === 0) return;
      const batch = landed;
      landed = [];
      // On failure they stay pending in the outbox: a server publishes them again after the grace.
      await confirm(batch).catch(report);
    },
    async recover(): Promise<RevocationEvent[]> {
      if (!recover) return [];
      try {
        return await recover();
      } catch (error) {
        // The outbox is unreachable (database outage): what is known is still heard; keep heartbeating.
        report(error);
        return [];
      }
    },
  };
}
