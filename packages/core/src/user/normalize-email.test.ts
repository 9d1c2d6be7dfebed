import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError } from '../errors.ts';
import { normalizeEmail } from './normalize-email.ts';

describe('normalizeEmail', () => {
  it('trims and lower-cases', () => {
    assert.equal(normalizeEmail('  Alice@Example.COM '), 'alice@example.com');
  });

  it('refuses what is not an address', () => {
    for (const bad of [
      '',
      'alice',
      'alice@',
      '@example.com',
      'a b@example.com',
      'a@b',
      `${'a'.repeat(65)}@example.com`,
      'a@exa\nmple.com',
      'a@example.com\u0000',
      42,
      null,
      ['a@example.com'],
    ]) {
      assert.throws(() => normalizeEmail(bad), InvalidInputError, String(bad));
    }
  });
});
