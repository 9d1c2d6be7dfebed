import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createManualClock } from '@gatehouse/core/testing';
import { createJwksFetcher } from './jwks-fetcher.ts';

function fetcherOver(kids: string[][]) {
  const clock = createManualClock();
  let fetches = 0;
  const fetcher = createJwksFetcher({
    jwksUrl: 'https://auth.test/.well-known/jwks.json',
    clock,
    fetch: (async () =>
      Response.json({
        keys: (kids[Math.min(fetches++, kids.length - 1)] ?? []).map((kid) => ({ kid })),
      })) as typeof fetch,
    onError: (error) => assert.fail(String(error)),
    apply: () => {},
  });
  return { fetcher, fetches: () => fetches };
}

describe('createJwksFetcher: key events', () => {
  it('an event before the first fetch reopens the window once that fetch lists the kid', async () => {
    const { fetcher, fetches } = fetcherOver([['k1'], ['k2']]);
    fetcher.keyRevoked('k1');
    await fetcher.fetchKeys();
    assert.equal(await fetcher.refreshOnMiss(), true, 'the set listed a revoked kid');
    assert.equal(fetches(), 2);
    assert.equal(await fetcher.refreshOnMiss(), false, 'closed again');
  });

  it('an event after the fetch reopens it only for a kid the set listed', async () => {
    const { fetcher, fetches } = fetcherOver([['k1'], ['k1'], ['k2']]);
    await fetcher.fetchKeys();
    fetcher.keyRevoked('elsewhere');
    assert.equal(await fetcher.refreshOnMiss(), false);
    fetcher.keyRevoked('k1');
    assert.equal(await fetcher.refreshOnMiss(), true);
    // The server's set still lists k1: that costs this one fetch, not one per miss after it.
    assert.equal(await fetcher.refreshOnMiss(), false);
    assert.equal(fetches(), 2);
  });

  it('remembers a bounded number of revoked kids', async () => {
    const { fetcher } = fetcherOver([['k0']]);
    for (let index = 0; index <= 64; index++) fetcher.keyRevoked(`k${index}`);
    await fetcher.fetchKeys();
    assert.equal(await fetcher.refreshOnMiss(), false, 'k0, the oldest of 65, was forgotten');
  });
});
