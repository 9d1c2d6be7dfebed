import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startKeyMaintenance } from './key-maintenance.ts';

function fakeKeyring(fail = false) {
  const calls: string[] = [];
  const record = (name: string) => async () => {
    calls.push(name);
    if (fail) throw new Error(`${name} failed`);
    return name === 'ensureActiveKey' ? { kid: 'k', rotated: false } : name === 'pruneRetired' ? [] : false;
  };
  return {
    calls,
    keyring: {
      ensureActiveKey: record('ensureActiveKey') as () => Promise<{ kid: string; rotated: boolean }>,
      pruneRetired: record('pruneRetired') as () => Promise<string[]>,
      refreshIfStale: record('refreshIfStale') as () => Promise<boolean>,
    },
  };
}

/**
 * Polls `condition` every 5 ms until it holds; fails with `what` after 5 s. The timers run on
 * their own schedule, so a loaded machine makes the wait longer, never the test flaky.
 */
async function until(condition: () => boolean, what: () => string): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 5000) assert.fail(`not within 5 s: ${what()}`);
    await sleep(5);
  }
}

describe('startKeyMaintenance', () => {
  it('reloads often, rotates and prunes less often, and stops when told', async () => {
    const { calls, keyring } = fakeKeyring();
    const maintenance = startKeyMaintenance({
      keyring,
      onError: (error) => assert.fail(String(error)),
      refreshEveryMs: 10,
      maintainEveryMs: 45,
    });
    const count = (name: string) => calls.filter((call) => call === name).length;
    await until(
      () => count('refreshIfStale') >= 4 && count('ensureActiveKey') >= 1 && count('pruneRetired') >= 1,
      () => `four reloads and a maintenance run; got ${calls.join(', ')}`,
    );
    maintenance.stop();
    assert.ok(
      count('ensureActiveKey') < count('refreshIfStale'),
      `rotation runs less often: ${calls.join(', ')}`,
    );
    assert.equal(
      count('pruneRetired'),
      count('ensureActiveKey'),
      'each maintenance run prunes after ensuring',
    );
    // No run after stop(): a twin started now, on the same intervals, is the clock. Once it has
    // reloaded three times and run its maintenance once, the stopped one would have too.
    const stoppedAt = calls.length;
    const twin = fakeKeyring();
    const twinMaintenance = startKeyMaintenance({
      keyring: twin.keyring,
      onError: (error) => assert.fail(String(error)),
      refreshEveryMs: 10,
      maintainEveryMs: 45,
    });
    try {
      await until(
        () =>
          twin.calls.filter((call) => call === 'refreshIfStale').length >= 3 &&
          twin.calls.includes('pruneRetired'),
        () => `the twin ran: ${twin.calls.join(', ')}`,
      );
    } finally {
      twinMaintenance.stop();
    }
    assert.equal(calls.length, stoppedAt, 'no run after stop()');
  });

  it('reports a failed run and keeps going', async () => {
    const { calls, keyring } = fakeKeyring(true);
    const errors: unknown[] = [];
    const maintenance = startKeyMaintenance({
      keyring,
      onError: (error) => errors.push(error),
      refreshEveryMs: 10,
      maintainEveryMs: 25,
    });
    const reloads = () => calls.filter((call) => call === 'refreshIfStale').length;
    await until(
      () => reloads() >= 3 && calls.includes('ensureActiveKey') && errors.length >= 4,
      () =>
        `three failed reloads and a failed maintenance run, reported; got ${calls.join(', ')}, ${errors.length} errors`,
    );
    maintenance.stop();
    assert.ok(reloads() >= 3, 'still running after a failure');
    // A failed ensureActiveKey skips that run's prune; it is retried at the next run.
    assert.equal(calls.includes('pruneRetired'), false);
  });

  it('never keeps the process alive (its timers are unref’d)', async () => {
    const { keyring } = fakeKeyring();
    const before = process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
    const maintenance = startKeyMaintenance({ keyring, onError: () => {} });
    const timers = process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
    maintenance.stop();
    // Unref'd timers are not listed as active resources.
    assert.equal(timers, before);
  });
});
