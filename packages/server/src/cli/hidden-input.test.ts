import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { promptNewPassword, readHiddenLine } from './hidden-input.ts';

/** A fake terminal: a TTY-like input that records raw-mode switches, and the text written back. */
function fakeTerminal() {
  const input = Object.assign(new PassThrough(), {
    isTTY: true,
    modes: [] as boolean[],
    setRawMode(mode: boolean) {
      input.modes.push(mode);
      return input;
    },
  });
  let written = '';
  return { input, output: { write: (text: string) => (written += text) }, written: () => written };
}

describe('hidden password input on a terminal', () => {
  it('reads a line in raw mode and writes nothing of it back', async () => {
    const terminal = fakeTerminal();
    const reading = readHiddenLine('Password: ', terminal);
    terminal.input.write('correct horse');
    terminal.input.write(' battery staplx\u007fe\r');
    assert.equal(await reading, 'correct horse battery staple');
    assert.deepEqual(terminal.input.modes, [true, false], 'raw mode on, then restored');
    assert.equal(terminal.written(), 'Password: \n');
  });

  it('asks twice and refuses two different passwords', async () => {
    const same = fakeTerminal();
    const reading = promptNewPassword(same);
    same.input.write('a long enough passphrase\r');
    await new Promise((resolve) => setImmediate(resolve));
    same.input.write('a long enough passphrase\r');
    assert.equal(await reading, 'a long enough passphrase');
    assert.ok(!same.written().includes('passphrase'));

    const differ = fakeTerminal();
    const refused = promptNewPassword(differ);
    differ.input.write('first one\r');
    await new Promise((resolve) => setImmediate(resolve));
    differ.input.write('second one\r');
    await assert.rejects(refused, /differ/);
  });

  it('Ctrl-C cancels', async () => {
    const terminal = fakeTerminal();
    const reading = readHiddenLine('Password: ', terminal);
    terminal.input.write('abc\u0003');
    await assert.rejects(reading, /cancelled/);
    assert.deepEqual(terminal.input.modes, [true, false]);
  });
});
