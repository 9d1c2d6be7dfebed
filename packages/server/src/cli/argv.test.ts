import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ArgvSpec, parseArgv } from './argv.ts';
import { UsageError } from './cli-errors.ts';

const spec: ArgvSpec = {
  valueOptions: ['--user'],
  flags: ['--help'],
  refuse: (name) => (name === '--password' ? 'no passwords in flags' : undefined),
  operand: (words) => (words[0] === 'keys' ? 'dash-allowed' : 'after-separator'),
};

describe('parseArgv', () => {
  it('splits words, options, flags and settings (with their values)', () => {
    const parsed = parseArgv(['users', 'list', '--user=ann', '--help', '--data-dir', '/d', '--x=1'], spec);
    assert.deepEqual(parsed.words, ['users', 'list']);
    assert.deepEqual([...parsed.values], [['--user', 'ann']]);
    assert.deepEqual([...parsed.flags], ['--help']);
    assert.deepEqual(parsed.settings, ['--data-dir', '/d', '--x=1']);
  });

  it('takes an operand starting with "-" after "--", or as it is where the rule allows it', () => {
    assert.deepEqual(parseArgv(['users', 'delete', '--', '-abc'], spec).words, ['users', 'delete', '-abc']);
    assert.deepEqual(parseArgv(['keys', 'revoke', '-AbC'], spec).words, ['keys', 'revoke', '-AbC']);
    assert.deepEqual(parseArgv(['keys', 'revoke', '--', '--AbC'], spec).words, ['keys', 'revoke', '--AbC']);
    assert.deepEqual(parseArgv(['keys', 'revoke', '-h'], spec).words, ['keys', 'revoke']);
    assert.deepEqual(parseArgv(['users', 'delete', '-abc'], spec).settings, ['-abc']);
  });

  it('refuses a missing value, a value that is an option, and refused options', () => {
    assert.throws(() => parseArgv(['audit', '--user'], spec), UsageError);
    assert.throws(() => parseArgv(['audit', '--user='], spec), UsageError);
    assert.throws(() => parseArgv(['audit', '--user', '--data-dir'], spec), /--user needs a value/);
    assert.equal(
      parseArgv(['audit', '--user', '--odd'], { ...spec, valueMayStartWithDashes: true }).values.get(
        '--user',
      ),
      '--odd',
    );
    assert.throws(
      () => parseArgv(['x', '--password=secret'], spec),
      (error: Error) => {
        assert.equal(error.message, 'no passwords in flags');
        return true;
      },
    );
  });
});
