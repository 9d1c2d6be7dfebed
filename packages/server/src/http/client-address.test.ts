import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrustProxy } from '../config.ts';
import { createTestServer, PASSWORD, register } from '../testing/index.ts';

/**
 * Logs in with `xff` from `remoteAddress` and returns the address the session and the login's
 * audit event recorded: what "My sessions", the admin view and the audit log show.
 */
async function recordedAddress(trustProxy: TrustProxy, xff: string, remoteAddress = '127.0.0.1') {
  const { app, store } = createTestServer({ trustProxy });
  await register(app, 'ip@example.com');
  const response = await app.inject({
    method: 'POST',
    url: '/auth/login',
    remoteAddress,
    headers: { 'x-forwarded-for': xff },
    payload: { email: 'ip@example.com', password: PASSWORD },
  });
  assert.equal(response.statusCode, 200, response.body);
  const sessions = await app.inject({
    method: 'GET',
    url: '/auth/sessions',
    headers: { cookie: response.headers['set-cookie']!.toString().split(';')[0]! },
  });
  const [session] = sessions.json().sessions as { ip: string | null }[];
  const events = await store.audit.query({ type: 'login.success', limit: 10 });
  assert.equal(events[0]?.ip, session?.ip, 'the audit event and the session agree');
  return session?.ip;
}

describe('client address from X-Forwarded-For', () => {
  it('ignores the header when no proxy is trusted', async () => {
    assert.equal(await recordedAddress(false, '203.0.113.5'), '127.0.0.1');
  });

  it('takes the right-most hop that is not a trusted proxy (proxy-addr), never the left-most', async () => {
    assert.equal(await recordedAddress(['127.0.0.1'], '198.51.100.66, 203.0.113.5'), '203.0.113.5');
    assert.equal(
      await recordedAddress(['127.0.0.1', '203.0.113.0/24'], '198.51.100.66, 192.0.2.7, 203.0.113.5'),
      '192.0.2.7',
    );
    // A peer that is not the proxy names nobody but itself.
    assert.equal(await recordedAddress(['127.0.0.1'], '198.51.100.66', '192.0.2.200'), '192.0.2.200');
  });

  it('falls back to the socket address when the chosen hop is not an IP address', async () => {
    const long = `${'9'.repeat(8000)}`;
    for (const [trust, xff] of [
      [['127.0.0.1'], long],
      [['127.0.0.1'], 'evil.example, not-an-ip'],
      [['127.0.0.1'], `fe80::1%${'a'.repeat(200)}`],
      [['127.0.0.1'], '203.0.113.5:443'],
      [true, `<script>, ${long}`],
      [true, 'admin@example.com, 198.51.100.9'],
    ] as [TrustProxy, string][]) {
      assert.equal(await recordedAddress(trust, xff), '127.0.0.1', `${String(trust)}: ${xff.slice(0, 40)}`);
    }
  });

  it('with trustProxy true every hop is trusted, so the left-most address counts (documented)', async () => {
    assert.equal(await recordedAddress(true, '198.51.100.66, 203.0.113.5'), '198.51.100.66');
  });
});
