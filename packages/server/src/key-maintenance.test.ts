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

describe('startKeyMaintenance', () => {
  it('reloads often, rotates and prunes less often, and stops when told', async () => {
    const { calls, keyring } = fakeKeyring();
    const maintenance = startKeyMaintenance({
      keyring,
      onError: (error) => assert.fail(String(error)),
      refreshEveryMs: 10,
      maintainEveryMs: 45,
    });
    await sleep(150);
    maintenance.stop();
    const count = (name: string) => calls.filter((call) => call === name).length;
    assert.ok(count('refreshIfStale') >= 4, `refreshIfStale ran ${count('refreshIfStale')} times`);
    assert.ok(count('ensureActiveKey') >= 1 && count('ensureActiveKey') < count('refreshIfStale'));
    assert.equal(
      count('pruneRetired'),
      count('ensureActiveKey'),
      'each maintenance run prunes after ensuring',
    );
    const stoppedAt = calls.length;
    await sleep(60);
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
    await sleep(80);
    maintenance.stop();
    assert.ok(errors.length >= 3);
    assert.ok(calls.filter((call) => call === 'refreshIfStale').length >= 3, 'still running after a failure');
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
