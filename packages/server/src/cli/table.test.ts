import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTable, terminalText } from './table.ts';

describe('CLI tables', () => {
  it('shows invisible and direction-changing characters as escapes', () => {
    assert.equal(terminalText('admin@example.com\u202E'), 'admin@example.com\\u{202e}');
    assert.equal(terminalText('ad\u200Bmin\u001b[2J'), 'ad\\u{200b}min\\u{1b}[2J');
    assert.equal(terminalText('jürgen@bücher.example'), 'jürgen@bücher.example');
  });

  it('pads every column but the last to its widest cell', () => {
    assert.deepEqual(
      formatTable(
        ['A', 'BB', 'C'],
        [
          ['xxx', 'y', 'last column is not padded'],
          ['x', 'yyyy', 'z'],
        ],
      ),
      ['A    BB    C', 'xxx  y     last column is not padded', 'x    yyyy  z'],
    );
  });
});
