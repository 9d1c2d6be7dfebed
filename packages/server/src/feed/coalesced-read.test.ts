import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coalescedRead } from './coalesced-read.ts';

/** A read whose every call is recorded (when it began) and settled by the test. */
function manualRead() {
  const calls: Array<{ resolve(value: number): void; reject(error: Error): void }> = [];
  const read = () =>
    new Promise<number>((resolve, reject) => {
      calls.push({ resolve, reject });
    });
  return { calls, read };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('coalescedRead', () => {
  it('answers a burst with at most two reads, each caller with a read that began after it asked', async () => {
    const { calls, read } = manualRead();
    const shared = coalescedRead(read);
    const first = shared();
    await turn();
    assert.equal(calls.length, 1);
    // Asked while the first read is in flight: answered by the next read, not by the first.
    const later = Array.from({ length: 100 }, () => shared());
    await turn();
    assert.equal(calls.length, 1, 'the next read waits for the one in flight');
    calls[0]!.resolve(1);
    assert.equal(await first, 1);
    await turn();
    assert.equal(calls.length, 2);
    const last = shared();
    calls[1]!.resolve(2);
    assert.deepEqual(new Set(await Promise.all(later)), new Set([2]));
    await turn();
    assert.equal(calls.length, 3, 'a caller after the second read began gets a third');
    calls[2]!.resolve(3);
    assert.equal(await last, 3);
  });

  it('hands a failed read to its callers only, and reads again for the next', async () => {
    const { calls, read } = manualRead();
    const shared = coalescedRead(read);
    const failing = [shared(), shared()];
    await turn();
    calls[0]!.reject(new Error('redis down'));
    await assert.rejects(failing[0]!, /redis down/);
    await turn();
    calls[1]!.reject(new Error('still down'));
    await assert.rejects(failing[1]!, /still down/);
    const after = shared();
    await turn();
    assert.equal(calls.length, 3);
    calls[2]!.resolve(7);
    assert.equal(await after, 7);
  });

  it('turns a read that throws at once into a rejection', async () => {
    const shared = coalescedRead<number>(() => {
      throw new Error('sync');
    });
    await assert.rejects(shared(), /sync/);
    await assert.rejects(shared(), /sync/);
  });
});
