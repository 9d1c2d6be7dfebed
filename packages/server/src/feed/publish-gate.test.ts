import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPublishGate } from './publish-gate.ts';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A publish that settles when told to. */
function pending() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('publish gate', () => {
  it('holds nothing while no publish is under way', async () => {
    const gate = createPublishGate();
    assert.equal(
      gate.hold(() => assert.fail('not held')),
      false,
    );
    await gate.run(async () => {});
    assert.equal(
      gate.hold(() => assert.fail('not held')),
      false,
    );
  });

  it('counts a publish under way from before it starts: an in-process feed hands the event on synchronously', async () => {
    const gate = createPublishGate(1000);
    let heldDuringPublish: boolean | undefined;
    const order: string[] = [];
    await gate.run(async () => {
      heldDuringPublish = gate.hold(() => order.push('released'));
    });
    assert.equal(heldDuringPublish, true);
    order.push('publisher answered');
    await turn();
    await turn();
    assert.deepEqual(order, ['publisher answered', 'released']);
  });

  it('releases a turn after the publish settles, once the code awaiting it has run on', async () => {
    const gate = createPublishGate(1000);
    const publish = pending();
    const order: string[] = [];
    const publisher = (async () => {
      await gate.run(() => publish.promise);
      // What a revoke call does after publishing (store writes, the answer): microtasks only.
      for (let step = 0; step < 20; step++) await Promise.resolve();
      order.push('answered');
    })();
    assert.equal(
      gate.hold(() => order.push('released')),
      true,
    );
    for (let t = 0; t < 3; t++) await turn();
    assert.deepEqual(order, []);
    publish.resolve();
    await publisher;
    assert.deepEqual(order, ['answered']);
    await turn();
    await turn();
    assert.deepEqual(order, ['answered', 'released']);
  });

  it('waits only for the publishes under way when it holds, not for those begun later', async () => {
    const gate = createPublishGate(1000);
    const first = pending();
    const later = pending();
    void gate.run(() => first.promise);
    let released = false;
    assert.ok(gate.hold(() => (released = true)));
    void gate.run(() => later.promise);
    first.resolve();
    for (let t = 0; t < 3; t++) await turn();
    assert.ok(released);
    // The later one still holds what comes next.
    assert.ok(gate.hold(() => {}));
    later.resolve();
  });

  it('releases after maxHoldMs when a publish hangs, and counts a failed publish as done', async () => {
    const gate = createPublishGate(5);
    const hung = pending();
    const run = gate.run(() => hung.promise);
    let released = false;
    assert.ok(gate.hold(() => (released = true)));
    await sleep(30);
    assert.ok(released);
    hung.reject(new Error('Redis went away'));
    await assert.rejects(run, /went away/);
    assert.equal(
      gate.hold(() => {}),
      false,
    );
    assert.throws(() =>
      gate.run(() => {
        throw new Error('synchronous');
      }),
    );
    assert.equal(
      gate.hold(() => {}),
      false,
    );
  });
});
