import assert from 'node:assert/strict';
import type { AccessTokens, RevocationEvent } from '@gatehouse/core';
import { TokenError } from '@gatehouse/core';
import { createFastHasher } from '@gatehouse/core/testing';
import { describe, it } from 'node:test';
import { createGatehouseMetrics } from './gatehouse-metrics.ts';
import { instrumentAccessTokens } from './instrument-access-tokens.ts';
import { instrumentHasher } from './instrument-hasher.ts';
import { instrumentRevocationPublisher } from './instrument-revocation-publisher.ts';
import { readSample as sample } from './read-sample.ts';

const until = Date.UTC(2026, 0, 1);

describe('instrumentation wrappers', () => {
  it('instrumentHasher times hash and verify, and changes no answer', async () => {
    const metrics = createGatehouseMetrics();
    const hasher = instrumentHasher(createFastHasher(), metrics);
    const stored = await hasher.hash('a long enough passphrase');
    assert.equal(await hasher.verify(stored, 'a long enough passphrase'), true);
    assert.equal(await hasher.verify(stored, 'another long passphrase'), false);
    assert.equal(hasher.needsRehash(stored), false);
    const text = await metrics.registry.metrics();
    assert.equal(sample(text, 'gatehouse_password_hash_duration_seconds_count', { operation: 'hash' }), 1);
    assert.equal(sample(text, 'gatehouse_password_hash_duration_seconds_count', { operation: 'verify' }), 2);
    assert.ok(sample(text, 'gatehouse_password_hash_duration_seconds_sum', { operation: 'hash' })! > 0);
  });

  it('instrumentRevocationPublisher counts published events by kind; a failed publish counts nothing', async () => {
    const metrics = createGatehouseMetrics();
    const received: RevocationEvent[] = [];
    let fail = false;
    const publisher = instrumentRevocationPublisher(
      {
        publish: async (events) => {
          if (fail) throw new Error('feed down');
          received.push(...events);
        },
      },
      metrics,
    );
    const events: RevocationEvent[] = [
      { type: 'session', sid: 's1', sub: 'u1', until },
      { type: 'session', sid: 's2', sub: 'u1', until },
      { type: 'user', sub: 'u2', before: until, until },
      { type: 'key', kid: 'k1', until },
    ];
    await publisher.publish(events);
    assert.deepEqual(received, events, 'passed through unchanged');
    fail = true;
    await assert.rejects(publisher.publish([{ type: 'token', jti: 'j1', until }]), /feed down/);
    const text = await metrics.registry.metrics();
    assert.equal(sample(text, 'gatehouse_revocations_total', { kind: 'session' }), 2);
    assert.equal(sample(text, 'gatehouse_revocations_total', { kind: 'user' }), 1);
    assert.equal(sample(text, 'gatehouse_revocations_total', { kind: 'key' }), 1);
    assert.equal(sample(text, 'gatehouse_revocations_total', { kind: 'token' }), 0);
  });

  it('instrumentAccessTokens times verify and authenticate by outcome, errors passed through', async () => {
    const metrics = createGatehouseMetrics();
    const claims = { sub: 'u1' } as Awaited<ReturnType<AccessTokens['verify']>>;
    const inner: AccessTokens = {
      issue: async () => {
        throw new Error('not used');
      },
      verify: async (token) => {
        if (token !== 'good') throw new TokenError('ERR_TOKEN_SIGNATURE', 'bad signature');
        return claims;
      },
      authenticate: async () => {
        throw new TokenError('ERR_TOKEN_REVOKED', 'gone');
      },
    };
    const tokens = instrumentAccessTokens(inner, metrics);
    assert.equal(await tokens.verify('good'), claims);
    await assert.rejects(tokens.verify('bad'), (error) => error instanceof TokenError);
    await assert.rejects(tokens.authenticate('good'), (error) => error instanceof TokenError);
    const text = await metrics.registry.metrics();
    const count = (operation: string, outcome: string) =>
      sample(text, 'gatehouse_access_token_verify_duration_seconds_count', { operation, outcome });
    assert.equal(count('verify', 'valid'), 1);
    assert.equal(count('verify', 'invalid'), 1);
    assert.equal(count('authenticate', 'invalid'), 1);
  });
});
