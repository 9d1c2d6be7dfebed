import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertClearsSessionCookie,
  assertInvalidToken,
  createTestServer,
  getMe,
  HOUR_MS,
  MINUTE_MS,
  registerAndLogin,
} from '../testing/index.ts';

describe('session lifetimes over HTTP', () => {
  it('expires after 30 minutes without use: alive at 30 min - 1 ms, gone at 30 min + 1 ms', async () => {
    const { app, clock } = createTestServer();
    // Two sessions from the same instant: using one to probe the edge would extend it.
    const probe = await registerAndLogin(app, 'probe@example.com');
    const idle = await registerAndLogin(app, 'idle@example.com');
    clock.advance(30 * MINUTE_MS - 1);
    assert.equal((await getMe(app, probe.cookie)).statusCode, 200);
    clock.advance(2);
    const expired = await getMe(app, idle.cookie);
    assertInvalidToken(expired);
    assertClearsSessionCookie(expired);
  });

  it('extends the idle deadline on use', async () => {
    const { app, clock } = createTestServer();
    const session = await registerAndLogin(app, 'busy@example.com');
    clock.advance(20 * MINUTE_MS);
    assert.equal((await getMe(app, session.cookie)).statusCode, 200);
    clock.advance(20 * MINUTE_MS); // 40 min after login, 20 after last use
    const me = await getMe(app, session.cookie);
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().session.expiresAt, new Date(clock.now() + 30 * MINUTE_MS).toISOString());
    clock.advance(30 * MINUTE_MS + 1);
    assertInvalidToken(await getMe(app, session.cookie));
  });

  it('ends at 12 hours even with continuous activity', async () => {
    const { app, clock } = createTestServer();
    const session = await registerAndLogin(app, 'marathon@example.com');
    const start = clock.now();
    while (clock.now() + 20 * MINUTE_MS < start + 12 * HOUR_MS) {
      clock.advance(20 * MINUTE_MS);
      assert.equal((await getMe(app, session.cookie)).statusCode, 200, `alive at ${clock.now() - start} ms`);
    }
    clock.set(start + 12 * HOUR_MS - 1);
    const last = await getMe(app, session.cookie);
    assert.equal(last.statusCode, 200);
    assert.equal(last.json().session.expiresAt, new Date(start + 12 * HOUR_MS).toISOString());
    clock.advance(1);
    const expired = await getMe(app, session.cookie);
    assertInvalidToken(expired);
    assertClearsSessionCookie(expired);
  });
});
