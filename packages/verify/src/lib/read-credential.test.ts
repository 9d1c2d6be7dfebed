import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { readCredential, SESSION_COOKIE } from './read-credential.ts';

describe('readCredential', () => {
  it('reads a Bearer token, tolerating extra spaces around it', () => {
    assert.deepEqual(readCredential({ headers: { authorization: 'Bearer   a.b.c  ' } }), {
      kind: 'jwt',
      value: 'a.b.c',
    });
  });

  it('reads the session cookie from the header among others, or from parsed cookies', () => {
    assert.deepEqual(readCredential({ headers: { cookie: [`a=1`, `${SESSION_COOKIE}=v.w; b=2`] } }), {
      kind: 'session',
      value: 'v.w',
    });
    assert.deepEqual(readCredential({ headers: { cookie: `${SESSION_COOKIE}=x` }, cookies: {} }), {
      kind: 'none',
    });
  });

  it('ignores cookies whose name merely contains the session cookie name', () => {
    assert.deepEqual(readCredential({ headers: { cookie: `x${SESSION_COOKIE}=v; ${SESSION_COOKIE}x=w` } }), {
      kind: 'none',
    });
  });

  it('refuses a parsed session cookie that is not a string (a JSON cookie), never reading it as a credential', () => {
    for (const planted of [{ kind: 'jwt', value: 'a.b.c' }, { kind: 'session', value: 'v.w' }, ['v.w'], 1]) {
      const cookies = { [SESSION_COOKIE]: planted } as unknown as Record<string, string>;
      assert.deepEqual(readCredential({ headers: {}, cookies }), {
        kind: 'invalid',
        code: 'ERR_SESSION_INVALID',
      });
    }
  });

  it('refuses a duplicated session cookie', () => {
    const cookie = `${SESSION_COOKIE}=a; ${SESSION_COOKIE}=b`;
    assert.deepEqual(readCredential({ headers: { cookie } }), {
      kind: 'invalid',
      code: 'ERR_SESSION_INVALID',
    });
  });

  it('reads the cookie exactly as splitting the header on ";" and trimming each pair would', () => {
    /** The reading before its fast path: every pair split out and trimmed. */
    function bySplitting(text: string) {
      let found: string | undefined;
      for (const pair of text.split(';')) {
        const equals = pair.indexOf('=');
        if (equals < 0 || pair.slice(0, equals).trim() !== SESSION_COOKIE) continue;
        if (found !== undefined) return { kind: 'invalid', code: 'ERR_SESSION_INVALID' };
        found = pair.slice(equals + 1).trim();
      }
      return found ? { kind: 'session', value: found } : { kind: 'none' };
    }
    const piece = fc.constantFrom(SESSION_COOKIE, '=', ';', '; ', ' ', '\t', '\u00a0', 'a=1', 'v.w', 'x', '');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const cookie = pieces.join('');
        assert.deepEqual(
          readCredential({ headers: { cookie } }),
          bySplitting(cookie),
          JSON.stringify(cookie),
        );
      }),
      { numRuns: 20_000 },
    );
  });
});
