import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createCompactSessionTable } from './compact-session-table.ts';

const id = () => randomBytes(16).toString('base64url');
/** Canonical 128-bit ids (the compact form) and other shapes (kept as strings). */
const POOL = [
  ...Array.from({ length: 24 }, id),
  's1',
  'u1',
  `${'A'.repeat(21)}B`, // 22 characters, but not canonical: the last one has low bits set
  'A'.repeat(22),
  `${'a'.repeat(21)}+`,
  'é'.repeat(22),
  'x'.repeat(23),
];

type Op =
  | { kind: 'set'; sid: string; sub: string; until: number }
  | { kind: 'delete'; sid: string }
  | { kind: 'prune'; before: number };

const BASE = 1_800_000_000_000;
const until = fc.oneof(
  fc.integer({ min: BASE, max: BASE + 20 * 60_000 }),
  // Far apart: the 32-bit offset must move its base, or give up and keep the entry as a string.
  fc.integer({ min: BASE - 2 ** 33, max: BASE + 2 ** 33 }),
  fc.constant(BASE + 0.5),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      sid: fc.constantFrom(...POOL),
      sub: fc.constantFrom(...POOL),
      until,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('delete' as const), sid: fc.constantFrom(...POOL) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('prune' as const), before: until }) },
);

describe('createCompactSessionTable', () => {
  it('behaves exactly like a Map of sid to { sub, until }, whatever the ids and untils', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const table = createCompactSessionTable();
        const model = new Map<string, { sub: string; until: number }>();
        for (const step of ops) {
          if (step.kind === 'set') {
            table.set(step.sid, step.sub, step.until);
            model.set(step.sid, { sub: step.sub, until: step.until });
          } else if (step.kind === 'delete') {
            assert.equal(table.delete(step.sid), model.delete(step.sid));
          } else {
            let expected = 0;
            for (const [sid, entry] of model) if (entry.until < step.before && model.delete(sid)) expected++;
            assert.equal(
              table.deleteWhere((value) => value < step.before),
              expected,
            );
          }
          assert.equal(table.size, model.size);
        }
        for (const sid of POOL) {
          assert.equal(table.has(sid), model.has(sid), sid);
          assert.equal(table.untilOf(sid), model.get(sid)?.until, sid);
        }
        const listed = new Map([...table.entries()].map(({ sid, sub, until }) => [sid, { sub, until }]));
        assert.deepEqual(listed, model);
      }),
      { numRuns: 400 },
    );
  });

  it('holds a hundred thousand entries, finds each, and drops them all at their until', () => {
    const table = createCompactSessionTable();
    const sids = Array.from({ length: 100_000 }, id);
    sids.forEach((sid, index) => {
      table.set(sid, id(), BASE + index);
    });
    assert.equal(table.size, sids.length);
    for (const [index, sid] of sids.entries()) assert.equal(table.untilOf(sid), BASE + index);
    assert.equal(table.has(id()), false);
    assert.equal(
      table.deleteWhere((value) => value < BASE + 50_000),
      50_000,
    );
    assert.equal(table.has(sids[49_999]!), false);
    assert.equal(table.has(sids[50_000]!), true);
    assert.equal(
      table.deleteWhere(() => true),
      50_000,
    );
    assert.equal(table.size, 0);
    assert.equal([...table.entries()].length, 0);
  });
});
