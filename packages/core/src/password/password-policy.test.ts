import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PasswordPolicyError } from '../errors.ts';
import { assertPasswordAcceptable, isPasswordWithinBounds } from './password-policy.ts';

function reason(password: unknown): string | null {
  try {
    assertPasswordAcceptable(password, {
      minLength: 12,
      maxLength: 128,
      isCommon: (p) => p === 'password1234',
    });
    return null;
  } catch (error) {
    assert.ok(error instanceof PasswordPolicyError);
    return error.reason;
  }
}

describe('password policy', () => {
  it('accepts 12 to 128 code points', () => {
    assert.equal(reason('a'.repeat(12)), null);
    assert.equal(reason('a'.repeat(128)), null);
    assert.equal(reason('🔑'.repeat(128)), null, 'emoji count as one character each');
  });

  it('refuses short, long, common and non-string passwords', () => {
    assert.equal(reason('a'.repeat(11)), 'too_short');
    assert.equal(reason('a'.repeat(129)), 'too_long');
    assert.equal(reason('a'.repeat(100_000)), 'too_long');
    assert.equal(reason('password1234'), 'common');
    assert.equal(reason(12345678901234), 'invalid');
    assert.equal(reason(undefined), 'invalid');
  });

  it('bounds login attempts without a common-list check', () => {
    assert.equal(isPasswordWithinBounds('short'), true);
    assert.equal(isPasswordWithinBounds(''), false);
    assert.equal(isPasswordWithinBounds('a'.repeat(129)), false);
    assert.equal(isPasswordWithinBounds({ toString: () => 'x' }), false);
  });
});
