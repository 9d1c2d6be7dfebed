import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FeedMessage } from '@gatehouse/core';
import { createHandOut, createMember, type Hold, type Member } from './tail-hand-out.ts';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const compare = (a: string, b: string) => Number(a) - Number(b);

let cursor = 0;
const heartbeat = (): FeedMessage => ({ kind: 'heartbeat', cursor: String(++cursor), at: Date.now() });
const event = (sid: string): FeedMessage => ({
  kind: 'event',
  cursor: String(++cursor),
  event: { type: 'session', sid, sub: 'user', until: Date.now() + 600_000 },
});

/** A hold standing in for a publish under way: holds while `busy`, until `release()`. */
function fakeGate() {
  let waiting: (() => void)[] = [];
  const gate = {
    busy: false,
    held: () => waiting.length,
    hold: ((then) => {
      if (!gate.busy) return false;
      waiting.push(then);
      return true;
    }) as Hold,
    release() {
      gate.busy = false;
      const run = waiting;
      waiting = [];
      for (const then of run) then();
    },
  };
  return gate;
}

/** `count` members, 8 per turn (2 first), heartbeats spread over at most 40 ms, behind `gate`. */
function handOut(count: number, gate: ReturnType<typeof fakeGate>) {
  let now = 0;
  const members = new Set<Member>();
  const received: FeedMessage[][] = [];
  const out = createHandOut(members, 8, 2, { maxMs: 40, now: () => now }, gate.hold);
  for (let index = 0; index < count; index++) {
    const got: FeedMessage[] = [];
    received.push(got);
    members.add(
      createMember(
        '0',
        (message) => got.push(message),
        compare,
        0,
        () => {},
      ),
    );
  }
  return {
    out,
    received,
    /** Followers that have had something matching `match`. */
    had: (match: (message: FeedMessage) => boolean) => received.filter((got) => got.some(match)).length,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const isSid = (sid: string) => (message: FeedMessage) =>
  message.kind === 'event' && message.event.type === 'session' && message.event.sid === sid;

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('never happened');
    await sleep(1);
  }
}

describe('tail hand-out: held while a publish of this process is under way', () => {
  it('hands an event to no one until the publish is done, then to everyone once and in order', async () => {
    const gate = fakeGate();
    const { out, received, had } = handOut(40, gate);
    gate.busy = true;
    out.push(event('a'));
    out.push(event('b'));
    for (let t = 0; t < 5; t++) await turn();
    assert.equal(had(isSid('a')), 0);
    assert.equal(gate.held(), 1);
    gate.release();
    await until(() => had(isSid('b')) === 40);
    for (const got of received)
      assert.deepEqual(
        got.map((m) => (m.kind === 'event' && m.event.type === 'session' ? m.event.sid : m.kind)),
        ['a', 'b'],
      );
  });

  it("holds a heartbeat's next slice, not the heartbeat: each follower still has it once per interval", async () => {
    const gate = fakeGate();
    const { out, received, had, advance } = handOut(40, gate);
    out.push(heartbeat());
    await until(() => had((m) => m.kind === 'heartbeat') === 40);
    // The next one comes a second later: spread over 40 ms, 5 slices of 8, 8 ms apart.
    advance(1000);
    const second = heartbeat();
    out.push(second);
    await turn();
    assert.equal(
      had((m) => m === second),
      8,
    );
    gate.busy = true;
    await sleep(30);
    // The slice due meanwhile waits for the publish.
    assert.equal(
      had((m) => m === second),
      8,
    );
    assert.equal(gate.held(), 1);
    out.push(event('c'));
    gate.release();
    await until(() => had(isSid('c')) === 40);
    for (const got of received)
      assert.deepEqual(
        got.map((m) => m.kind),
        ['heartbeat', 'heartbeat', 'event'],
      );
  });

  it('drops a held turn on flush, and hands out what comes after it', async () => {
    const gate = fakeGate();
    const { out, received, had } = handOut(20, gate);
    gate.busy = true;
    out.push(event('d'));
    out.flush();
    assert.equal(had(isSid('d')), 20);
    out.push(event('e'));
    // The turn held before the flush runs on release: it must neither repeat nor stall anything.
    gate.release();
    await until(() => had(isSid('e')) === 20);
    for (let t = 0; t < 5; t++) await turn();
    for (const got of received) assert.equal(got.length, 2);
  });
});
