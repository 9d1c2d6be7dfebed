/**
 * The SDK's collectors in a real prom-client Registry (the server's dependency; the SDK has none):
 * the structural collectors must keep working with the registry's text format, its JSON, cluster
 * aggregation fields and resetMetrics().
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createInProcessFeed } from '@gatehouse/core';
import { createManualClock } from '@gatehouse/core/testing';
import { createVerifier, registerVerifierMetrics } from '@gatehouse/verify';
import { Counter, Registry } from 'prom-client';
import { audience, createFixture, createTestKey, issuer } from '../../packages/verify/src/testing/fixture.ts';
import { readSample } from '../../packages/server/src/metrics/read-sample.ts';

describe('registerVerifierMetrics with prom-client', () => {
  it('renders the verifier next to ordinary prom-client metrics', async () => {
    const t = await createFixture();
    try {
      const registry = new Registry();
      const own = new Counter({ name: 'service_requests_total', help: 'x', registers: [registry] });
      own.inc();
      registerVerifierMetrics(t.verifier, registry);
      const { token } = await t.sign();
      await t.verifier.verifyToken(token);
      await t.verifier.verifyToken(token);
      await t.verifier.verifyToken('a.b');
      t.clock.advance(250);

      const text = await registry.metrics();
      assert.ok(text.includes('# TYPE gatehouse_verifier_cache_hits_total counter'));
      assert.ok(text.includes('# TYPE gatehouse_verifier_feed_lag_seconds gauge'));
      assert.ok(text.includes('# HELP gatehouse_verifier_feed_stale '));
      assert.equal(readSample(text, 'service_requests_total'), 1);
      assert.equal(readSample(text, 'gatehouse_verifier_cache_hits_total'), 1);
      assert.equal(
        readSample(text, 'gatehouse_verifier_cache_misses_total'),
        2,
        'the malformed one missed too',
      );
      assert.equal(readSample(text, 'gatehouse_verifier_feed_lag_seconds'), 0.25);
      assert.equal(readSample(text, 'gatehouse_verifier_feed_stale'), 0);
      assert.equal(readSample(text, 'gatehouse_verifier_rejected_total', { code: 'ERR_TOKEN_MALFORMED' }), 1);

      const json = await registry.getMetricsAsJSON();
      const lag = json.find((metric) => metric.name === 'gatehouse_verifier_feed_lag_seconds');
      assert.equal(lag?.type, 'gauge');
      assert.equal(lag?.aggregator, 'max');
      registry.resetMetrics();
      assert.equal(
        readSample(await registry.metrics(), 'gatehouse_verifier_cache_hits_total'),
        1,
        'figures are the verifier’s',
      );
      assert.equal(registry.getSingleMetric('gatehouse_verifier_cache_hits_total') !== undefined, true);
      registry.removeSingleMetric('gatehouse_verifier_cache_hits_total');
      assert.equal(readSample(await registry.metrics(), 'gatehouse_verifier_cache_hits_total'), undefined);
    } finally {
      await t.stop();
    }
  });

  it('a verifier that never heard the feed reports +Inf lag and stale', async () => {
    const registry = new Registry();
    const clock = createManualClock();
    const feed = createInProcessFeed({ clock, heartbeatMs: 0 });
    // Built but never started: it has not taken the feed's snapshot nor heard any message.
    const verifier = createVerifier({
      issuer,
      audience,
      algorithms: ['ES256'],
      jwks: { keys: [createTestKey('k1').jwk] },
      feed,
      clock,
    });
    try {
      assert.equal(verifier.metrics().feedLagMs, Number.POSITIVE_INFINITY);
      registerVerifierMetrics(verifier, registry);
      const text = await registry.metrics();
      // The exposition format spells positive infinity "+Inf".
      assert.match(text, /^gatehouse_verifier_feed_lag_seconds \+Inf$/m);
      assert.equal(readSample(text, 'gatehouse_verifier_feed_stale'), 1);
      const json = await registry.getMetricsAsJSON();
      const lag = json.find((metric) => metric.name === 'gatehouse_verifier_feed_lag_seconds');
      assert.equal(lag?.values[0]?.value, Number.POSITIVE_INFINITY);
    } finally {
      feed.close();
    }
  });

  it('once it has heard the feed, the lag is finite: the seconds since the last message', async () => {
    const registry = new Registry();
    const t = await createFixture();
    try {
      registerVerifierMetrics(t.verifier, registry);
      t.clock.advance(1500);
      const text = await registry.metrics();
      assert.equal(readSample(text, 'gatehouse_verifier_feed_lag_seconds'), 1.5);
      assert.equal(readSample(text, 'gatehouse_verifier_feed_stale'), 0);
    } finally {
      await t.stop();
    }
  });
});
