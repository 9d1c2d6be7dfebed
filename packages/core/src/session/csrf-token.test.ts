import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createCsrfTokens } from './csrf-token.ts';

describe('CSRF tokens', () => {
  const csrf = createCsrfTokens(randomBytes(32));

  it('are stable per session and bound to it', () => {
    const token = csrf.issue('session-a');
    assert.equal(csrf.issue('session-a'), token);
    assert.equal(csrf.verify('session-a', token), true);
    assert.equal(csrf.verify('session-b', token), false);
  });

  it('depend on the server key', () => {
    assert.equal(createCsrfTokens(randomBytes(32)).verify('session-a', csrf.issue('session-a')), false);
  });

  it('refuse missing and malformed values', () => {
    for (const bad of [undefined, null, '', 'x', 42, csrf.issue('session-a').slice(1)]) {
      assert.equal(csrf.verify('session-a', bad), false);
    }
  });

  it('refuse a short key', () => {
    assert.throws(() => createCsrfTokens(randomBytes(16)), TypeError);
  });
});
