import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestServer, ORIGIN, PASSWORD } from '../testing/index.ts';

/** Look-alike addresses: each shows as "admin@example.com", or as a scrambled one, on a screen. */
const HOSTILE = [
  ['U+202E right-to-left override', 'admin@example.com\u202E'],
  ['U+200B zero width space', 'ad\u200Bmin@example.com'],
  ['U+200D zero width joiner', 'admin\u200D@example.com'],
  ['U+2067 right-to-left isolate', '\u2067admin@example.com'],
  ['U+FEFF byte order mark', 'admin@exa\uFEFFmple.com'],
  ['U+00AD soft hyphen', 'ad\u00ADmin@example.com'],
  ['U+E0041 tag character', 'admin@example.com\u{E0041}'],
] as const;

describe('registration refuses Unicode format characters (Cf) in emails', () => {
  for (const [name, email] of HOSTILE) {
    it(`refuses ${name} with 400 invalid_email and creates nothing`, async () => {
      const { app, store } = createTestServer();
      const response = await app.inject({
        method: 'POST',
        url: '/auth/register',
        headers: { origin: ORIGIN },
        payload: { email, password: PASSWORD },
      });
      assert.equal(response.statusCode, 400);
      assert.deepEqual(response.json(), { error: 'invalid_email' });
      assert.deepEqual(await store.users.list({ limit: 10, offset: 0 }), []);
    });
  }

  it('still registers an ordinary address and an internationalised one', async () => {
    const { app, store } = createTestServer();
    for (const email of ['admin@example.com', 'jürgen@bücher.example']) {
      const response = await app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { email, password: PASSWORD },
      });
      assert.equal(response.statusCode, 202, email);
    }
    assert.equal((await store.users.list({ limit: 10, offset: 0 })).length, 2);
  });
});
