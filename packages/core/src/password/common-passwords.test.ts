import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PasswordPolicyError } from '../errors.ts';
import { isCommonPassword, loadCommonPasswords } from './common-passwords.ts';
import { assertPasswordAcceptable, defaultPasswordPolicy } from './password-policy.ts';

describe('common passwords', () => {
  it('ships thousands of lower-case entries, each long enough to pass the length check alone', () => {
    const list = loadCommonPasswords();
    assert.ok(list.size >= 2000, `${list.size} entries`);
    for (const entry of list) {
      assert.ok([...entry].length >= 12 && entry.length <= 128, entry);
      assert.equal(entry, entry.toLowerCase());
    }
    assert.equal(loadCommonPasswords(), list, 'read once');
  });

  it('matches regardless of case', () => {
    for (const password of [
      'password1234',
      'Password1234',
      'PASSWORD1234',
      'qwertyuiop123',
      '1q2w3e4r5t6y',
    ]) {
      assert.equal(isCommonPassword(password), true, password);
    }
    assert.equal(isCommonPassword('a long enough passphrase'), false);
    assert.equal(isCommonPassword('tr0ub4dor&3-staple-horse'), false);
  });

  it('is part of the default policy: common passwords are refused as such', () => {
    assert.equal(defaultPasswordPolicy.isCommon, isCommonPassword);
    assert.throws(
      () => assertPasswordAcceptable('Welcome2024!', defaultPasswordPolicy),
      (error: unknown) => error instanceof PasswordPolicyError && error.reason === 'common',
    );
    assertPasswordAcceptable('a long enough passphrase', defaultPasswordPolicy);
  });
});
