import type { RevocationPublisher } from '@gatehouse/core';
import type { GatehouseMetrics } from './gatehouse-metrics.ts';

/**
 * The publisher, counted: every event that was published adds one to
 * `gatehouse_revocations_total{kind}`. A publish that fails counts nothing (and still throws).
 *
 * @example
 * createAuth({ store, revocations: instrumentRevocationPublisher(feed.publisher, metrics) });
 */
export function instrumentRevocationPublisher(
  publisher: RevocationPublisher,
  metrics: Pick<GatehouseMetrics, 'revocations'>,
): RevocationPublisher {
  return {
    async publish(events) {
      await publisher.publish(events);
      for (const event of events) metrics.revocations.inc({ kind: event.type });
    },
  };
}
