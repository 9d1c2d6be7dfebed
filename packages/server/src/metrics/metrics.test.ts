import assert from 'node:assert/strict';
import { ThrottledError } from '@gatehouse/core';
import { describe, it } from 'node:test';
import {
  createTestServer,
  login,
  loginWithTokens,
  PASSWORD,
  refreshWithBody,
  register,
  registerAndLogin,
} from '../testing/index.ts';
import { createGatehouseMetrics } from './gatehouse-metrics.ts';
import { defaultMetricsSettings, type MetricsSettings } from './metrics-config.ts';
import { readSample as sample } from './read-sample.ts';

const TOKEN = 'metrics-token-metrics-token-metrics-token';

function settings(alerts: Partial<MetricsSettings['alerts']> = {}, metricsToken: string | null = null) {
  return { metricsToken, alerts: { ...defaultMetricsSettings.alerts, ...alerts } };
}

async function scrape(server: ReturnType<typeof createTestServer>): Promise<string> {
  const response = await server.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(response.statusCode, 200, response.body);
  return response.body;
}

describe('GET /metrics', () => {
  it('answers loopback callers with Prometheus text, never cached', async () => {
    const server = createTestServer();
    const response = await server.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.equal(response.headers['cache-control'], 'no-store');
    for (const name of [
      'gatehouse_auth_attempts_total',
      'gatehouse_login_duration_seconds',
      'gatehouse_refresh_duration_seconds',
      'gatehouse_access_token_verify_duration_seconds',
      'gatehouse_password_hash_duration_seconds',
      'gatehouse_active_sessions',
      'gatehouse_revocations_total',
      'gatehouse_refresh_reuse_detected_total',
      'gatehouse_throttled_requests_total',
      'gatehouse_alerts_total',
    ]) {
      assert.ok(response.body.includes(`# TYPE ${name} `), `${name} is exported`);
    }
    // Series an alert rule watches exist at zero from the start.
    assert.equal(sample(response.body, 'gatehouse_alerts_total', { kind: 'login_failure_spike' }), 0);
    assert.equal(sample(response.body, 'gatehouse_revocations_total', { kind: 'session' }), 0);
    assert.equal(sample(response.body, 'gatehouse_refresh_reuse_detected_total'), 0);
  });

  it('without a token: hidden (404) from another address or through a proxy on this host', async () => {
    const server = createTestServer();
    const remote = await server.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9' });
    assert.equal(remote.statusCode, 404);
    assert.deepEqual(remote.json(), { error: 'not_found' });
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip', 'x-forwarded-host']) {
      const proxied = await server.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { [header]: header === 'forwarded' ? 'for=203.0.113.9' : '203.0.113.9' },
      });
      assert.equal(proxied.statusCode, 404, header);
    }
    const ipv6 = await server.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '::1' });
    assert.equal(ipv6.statusCode, 200);
  });

  it('with GATEHOUSE_METRICS_TOKEN: the bearer token is required from everyone, loopback included', async () => {
    const server = createTestServer({ metrics: createGatehouseMetrics({ settings: settings({}, TOKEN) }) });
    const bare = await server.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(bare.statusCode, 401);
    assert.equal(bare.headers['www-authenticate'], 'Bearer');
    const basic = await server.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    });
    assert.equal(basic.headers['www-authenticate'], 'Bearer', 'another scheme is no Bearer credential');
    const wrong = await server.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN.slice(1)}x` },
    });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.headers['www-authenticate'], 'Bearer error="invalid_token"');
    const remote = await server.app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: '203.0.113.9',
      headers: { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '198.51.100.1' },
    });
    assert.equal(remote.statusCode, 200);
    assert.ok(remote.body.includes('gatehouse_auth_attempts_total'));
  });

  it('counts attempts by endpoint and outcome, and times logins', async () => {
    const server = createTestServer();
    await register(server.app, 'counted@example.com');
    await login(server.app, 'counted@example.com');
    await server.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'counted@example.com', password: 'not the password at all' },
    });
    await server.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: '[]',
      headers: { 'content-type': 'application/json' },
    });
    const text = await scrape(server);
    assert.equal(
      sample(text, 'gatehouse_auth_attempts_total', { endpoint: 'register', outcome: 'success' }),
      1,
    );
    assert.equal(sample(text, 'gatehouse_auth_attempts_total', { endpoint: 'login', outcome: 'success' }), 1);
    assert.equal(
      sample(text, 'gatehouse_auth_attempts_total', { endpoint: 'login', outcome: 'rejected' }),
      1,
    );
    assert.equal(sample(text, 'gatehouse_auth_attempts_total', { endpoint: 'login', outcome: 'invalid' }), 1);
    assert.equal(sample(text, 'gatehouse_login_duration_seconds_count', { outcome: 'success' }), 1);
    assert.equal(sample(text, 'gatehouse_active_sessions', { strategy: 'session' }), 1);
    assert.equal(sample(text, 'gatehouse_active_sessions', { strategy: 'token' }), 0);
  });

  it('counts published revocations by kind and refresh reuse, and raises a burst alert', async () => {
    const lines: string[] = [];
    const server = createTestServer({
      metrics: createGatehouseMetrics({ settings: settings({ refreshReuseMinCount: 1 }) }),
      logger: { level: 'warn', stream: { write: (line) => lines.push(line) } },
    });
    await register(server.app, 'reuse@example.com');
    const tokens = await loginWithTokens(server.app, 'reuse@example.com', 'token');
    const rotated = await refreshWithBody(server.app, tokens.refreshToken);
    assert.equal(rotated.statusCode, 200);
    // The successor is used, then the first token comes back: reuse (a lost reply alone is not).
    assert.equal((await refreshWithBody(server.app, rotated.json().refreshToken)).statusCode, 200);
    server.clock.advance(60_000);
    assert.equal((await refreshWithBody(server.app, tokens.refreshToken)).statusCode, 400);

    const text = await scrape(server);
    assert.equal(sample(text, 'gatehouse_refresh_reuse_detected_total'), 1);
    assert.equal(
      sample(text, 'gatehouse_auth_attempts_total', { endpoint: 'refresh', outcome: 'success' }),
      2,
    );
    assert.equal(
      sample(text, 'gatehouse_auth_attempts_total', { endpoint: 'refresh', outcome: 'rejected' }),
      1,
    );
    assert.equal(sample(text, 'gatehouse_alerts_total', { kind: 'refresh_reuse_burst' }), 1);

    const [event] = await server.store.audit.query({ type: 'alert.raised', limit: 10 });
    assert.equal(event?.data.kind, 'refresh_reuse_burst');
    assert.equal(event?.data.count, 1);
    const warning = lines.map((line) => JSON.parse(line)).find((line) => line.alert);
    assert.equal(warning?.level, 40, 'logged at warn');
    assert.equal(warning?.alert.kind, 'refresh_reuse_burst');
    assert.match(warning?.msg, /refresh_reuse_burst/);
  });

  it('raises login_failure_spike once the bucket reaches the threshold, and only once per bucket', async () => {
    const server = createTestServer({
      metrics: createGatehouseMetrics({ settings: settings({ loginFailureMinCount: 3 }) }),
    });
    await register(server.app, 'spike@example.com');
    const fail = () =>
      server.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: 'spike@example.com', password: 'wrong wrong wrong wrong' },
      });
    await fail();
    await fail();
    assert.equal(sample(await scrape(server), 'gatehouse_alerts_total', { kind: 'login_failure_spike' }), 0);
    await fail();
    await fail();
    assert.equal(sample(await scrape(server), 'gatehouse_alerts_total', { kind: 'login_failure_spike' }), 1);
    const events = await server.store.audit.query({ type: 'alert.raised', limit: 10 });
    assert.deepEqual(
      events.map((event) => [event.data.kind, event.data.count, event.data.threshold, event.actorId]),
      [['login_failure_spike', 3, 3, null]],
    );
  });

  it('counts 429 answers by route', async () => {
    const server = createTestServer();
    server.app.get('/test/throttled', async () => {
      throw new ThrottledError(7);
    });
    const response = await server.app.inject({ method: 'GET', url: '/test/throttled' });
    assert.equal(response.statusCode, 429);
    assert.equal(
      sample(await scrape(server), 'gatehouse_throttled_requests_total', { route: '/test/throttled' }),
      1,
    );
  });
});

describe('GET /admin/stats', () => {
  it('needs an admin: 401 without a caller, 403 for a user', async () => {
    const server = createTestServer();
    assert.equal((await server.app.inject({ method: 'GET', url: '/admin/stats' })).statusCode, 401);
    const user = await registerAndLogin(server.app, 'plain@example.com');
    const response = await server.app.inject({
      method: 'GET',
      url: '/admin/stats',
      headers: { cookie: user.cookie },
    });
    assert.equal(response.statusCode, 403);
  });

  it('gives an admin the last ten minutes of outcomes, alerts and live sessions', async () => {
    const server = createTestServer({
      metrics: createGatehouseMetrics({ settings: settings({ loginFailureMinCount: 1 }) }),
    });
    const admin = await registerAndLogin(server.app, 'boss@example.com');
    await server.store.users.update(admin.userId, { roles: ['admin'] });
    await server.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'boss@example.com', password: 'certainly not it, no' },
    });
    const response = await server.app.inject({
      method: 'GET',
      url: '/admin/stats',
      headers: { cookie: admin.cookie },
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['cache-control'], 'no-store');
    const stats = response.json();
    assert.equal(stats.bucketSeconds, 10);
    assert.equal(stats.buckets.length, 60);
    const last = stats.buckets.at(-1);
    assert.deepEqual(
      [last.loginSuccess, last.loginFailure, last.alerts, last.refreshSuccess, last.throttled],
      [1, 1, 1, 0, 0],
    );
    assert.equal(stats.alerts.length, 1);
    assert.equal(stats.alerts[0].kind, 'login_failure_spike');
    assert.equal(stats.detectors.login_failure_spike.count, 1);
    assert.deepEqual(stats.activeSessions, { session: 1, hybrid: 0, token: 0 });
    assert.equal(stats.now, new Date(server.clock.now()).toISOString());
  });
});

describe('request ids', () => {
  it('every answer carries a fresh random x-request-id, the one its log lines carry; a client id is ignored', async () => {
    const lines: string[] = [];
    const server = createTestServer({
      logger: { level: 'info', stream: { write: (line) => lines.push(line) } },
    });
    const first = await server.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'mine' },
    });
    const second = await server.app.inject({ method: 'GET', url: '/no/such/route' });
    const ids = [first.headers['x-request-id'], second.headers['x-request-id']];
    for (const id of ids) assert.match(String(id), /^[A-Za-z0-9_-]{16}$/);
    assert.notEqual(ids[0], ids[1]);
    assert.notEqual(ids[0], 'mine');
    const logged = lines.map((line) => JSON.parse(line));
    for (const id of ids)
      assert.ok(
        logged.some((line) => line.reqId === id && line.statusCode),
        `${id} logged`,
      );
  });

  it('a login with the password does not leak through the new hooks either', async () => {
    const lines: string[] = [];
    const server = createTestServer({
      logger: { level: 'trace', stream: { write: (line) => lines.push(line) } },
    });
    await register(server.app, 'quiet@example.com');
    await login(server.app, 'quiet@example.com');
    assert.ok(!lines.join('').includes(PASSWORD));
  });
});
