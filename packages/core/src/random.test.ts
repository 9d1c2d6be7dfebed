import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemRandom } from './random.ts';

describe('systemRandom', () => {
  it('hands out each byte once, as a Buffer of its own, across refills of its block', () => {
    const seen = new Set<string>();
    // 16 + 32 + 12 bytes a login, past several 4 KiB blocks.
    for (let i = 0; i < 300; i++) {
      for (const length of [16, 32, 12]) {
        const bytes = systemRandom.bytes(length);
        assert.ok(Buffer.isBuffer(bytes));
        assert.equal(bytes.byteLength, length);
        // Not a view of the block: postMessage or a kept reference would carry all of it.
        assert.equal(bytes.buffer.byteLength, length);
        const hex = Buffer.from(bytes).toString('hex');
        assert.ok(!seen.has(hex), 'a repeated value');
        seen.add(hex);
      }
    }
  });

  it('serves large requests too, and zero bytes', () => {
    assert.equal(systemRandom.bytes(10_000).byteLength, 10_000);
    assert.equal(systemRandom.bytes(0).byteLength, 0);
    assert.notDeepEqual(systemRandom.bytes(300), systemRandom.bytes(300));
  });
});
