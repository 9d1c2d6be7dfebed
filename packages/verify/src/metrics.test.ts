import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CollectedMetric, registerVerifierMetrics, type VerifierCollector } from './metrics.ts';
import { createFixture } from './testing/fixture.ts';

/** The smallest registry: what prom-client's does with a metric, minus the text format. */
function createFakeRegistry() {
  const metrics = new Map<string, VerifierCollector>();
  return {
    registerMetric(metric: never) {
      const collector = metric as VerifierCollector;
      if (metrics.has(collector.name)) throw new Error(`duplicate ${collector.name}`);
      metrics.set(collector.name, collector);
    },
    async collect(): Promise<Map<string, CollectedMetric>> {
      const entries = await Promise.all(
        [...metrics].map(async ([name, metric]) => [name, await metric.get()] as const),
      );
      return new Map(entries);
    },
  };
}

const sampleOf = (
  collected: Map<string, CollectedMetric>,
  name: string,
  labels: Record<string, string> = {},
) =>
  collected.get(name)?.values.find((sample) => JSON.stringify(sample.labels) === JSON.stringify(labels))
    ?.value;

describe('registerVerifierMetrics', () => {
  it('reads the verifier at each collection: cache hits and misses, rejections by code, feed lag and staleness', async () => {
    const t = await createFixture({ maxStalenessMs: 5000 });
    try {
      const registry = createFakeRegistry();
      const names = registerVerifierMetrics(t.verifier, registry);
      assert.ok(names.includes('gatehouse_verifier_cache_hits_total'));

      const { token } = await t.sign();
      await t.verifier.verifyToken(token);
      await t.verifier.verifyToken(token);
      await t.verifier.verifyToken('not.a.token');
      t.clock.advance(1500);
      let collected = await registry.collect();
      assert.equal(sampleOf(collected, 'gatehouse_verifier_cache_misses_total'), 2);
      assert.equal(sampleOf(collected, 'gatehouse_verifier_cache_hits_total'), 1);
      assert.equal(sampleOf(collected, 'gatehouse_verifier_accepted_total'), 2);
      assert.equal(
        sampleOf(collected, 'gatehouse_verifier_rejected_total', { code: 'ERR_TOKEN_MALFORMED' }),
        1,
      );
      assert.equal(sampleOf(collected, 'gatehouse_verifier_cache_entries'), 1);
      assert.equal(sampleOf(collected, 'gatehouse_verifier_feed_lag_seconds'), 1.5);
      assert.equal(sampleOf(collected, 'gatehouse_verifier_feed_stale'), 0);
      assert.equal(collected.get('gatehouse_verifier_feed_lag_seconds')?.type, 'gauge');
      assert.equal(collected.get('gatehouse_verifier_feed_lag_seconds')?.aggregator, 'max');
      assert.equal(collected.get('gatehouse_verifier_cache_hits_total')?.type, 'counter');

      t.clock.advance(5000);
      await t.verifier.verifyToken(token);
      collected = await registry.collect();
      assert.equal(sampleOf(collected, 'gatehouse_verifier_feed_stale'), 1);
      assert.equal(sampleOf(collected, 'gatehouse_verifier_stale_requests_total'), 1);
      assert.equal(sampleOf(collected, 'gatehouse_verifier_feed_lag_seconds'), 6.5);
    } finally {
      await t.stop();
    }
  });

  it('two verifiers share a registry under different prefixes; the same prefix twice is refused by the registry', async () => {
    const t = await createFixture();
    try {
      const registry = createFakeRegistry();
      registerVerifierMetrics(t.verifier, registry);
      registerVerifierMetrics(t.verifier, registry, { prefix: 'orders_verifier_' });
      assert.throws(() => registerVerifierMetrics(t.verifier, registry), /duplicate/);
      assert.ok((await registry.collect()).has('orders_verifier_feed_lag_seconds'));
    } finally {
      await t.stop();
    }
  });

  it('refuses a bad prefix, verifier or registry', () => {
    const registry = createFakeRegistry();
    const verifier = { metrics: () => ({}) as never };
    assert.throws(() => registerVerifierMetrics(verifier, registry, { prefix: 'bad prefix' }), TypeError);
    assert.throws(() => registerVerifierMetrics({} as never, registry), TypeError);
    assert.throws(() => registerVerifierMetrics(verifier, {} as never), TypeError);
  });
});
