import { availableParallelism } from 'node:os';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, configWarnings, formatSettingsHelp, loadConfig, settings } from './config.ts';

const KEY = Buffer.alloc(32, 7).toString('base64url');
const KEK = Buffer.alloc(32, 9).toString('base64url');

function refuses(env: Record<string, string>, argv: string[], setting: string, mustNotContain?: string) {
  assert.throws(
    () => loadConfig(env, argv),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.equal(error.setting, setting);
      assert.ok(error.message.length > 0);
      if (mustNotContain)
        assert.ok(!error.message.includes(mustNotContain), `message echoes ${mustNotContain}`);
      return true;
    },
  );
}

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    assert.deepEqual(loadConfig({}), {
      host: '127.0.0.1',
      port: 3000,
      issuerIsDefault: true,
      dataDir: './data',
      issuer: 'http://localhost:3000',
      audience: 'gatehouse',
      databaseUrl: null,
      redisUrl: null,
      redisCluster: false,
      redisClusterNodes: null,
      redisSentinels: null,
      redisSentinelPassword: null,
      store: 'sql',
      redisWaitReplicas: 0,
      redisWaitMs: 1000,
      sqliteSync: 'normal',
      sqliteThread: 'auto',
      serviceToken: null,
      feedMaxStreams: 10_000,
      feedMaxStreamsPerAddress: 64,
      sessionIdleTtlSeconds: 1800,
      sessionAbsoluteTtlSeconds: 43200,
      accessTokenTtlSeconds: 600,
      refreshGraceSeconds: 10,
      maxSessionsPerUser: 100,
      trustProxy: false,
      allowedOrigins: ['http://localhost:3000', 'http://127.0.0.1:3000'],
      uiStrategy: 'session',
      csrfSecret: null,
      keyEncryptionKey: null,
      signingAlgorithm: 'ES256',
      keyRotationDays: 7,
      auditRetentionDays: 90,
      passwordHashConcurrency: Math.max(1, availableParallelism() - 1),
      passwordHashQueue: 16,
      passwordHashRescueMs: 500,
      passwordHashNice: 19,
      logLevel: 'info',
      mail: { mailer: 'console', resetUrl: 'http://localhost:3000/reset#token=' },
      metrics: {
        metricsToken: null,
        alerts: {
          bucketSeconds: 60,
          baselineBuckets: 30,
          factor: 3,
          loginFailureMinCount: 20,
          refreshReuseMinCount: 3,
        },
      },
      clients: [],
      dpopNonce: false,
    });
  });

  it('reads the password-hashing bounds and refuses out-of-range ones', () => {
    const config = loadConfig(
      { GATEHOUSE_PASSWORD_HASH_CONCURRENCY: '3', GATEHOUSE_PASSWORD_HASH_NICE: '0' },
      ['--password-hash-queue', '0', '--password-hash-rescue-ms', '0'],
    );
    assert.equal(config.passwordHashConcurrency, 3);
    assert.equal(config.passwordHashQueue, 0);
    assert.equal(config.passwordHashNice, 0);
    assert.equal(config.passwordHashRescueMs, 0);
    assert.equal(loadConfig({}).passwordHashRescueMs, 500);
    for (const [name, value] of [
      ['GATEHOUSE_PASSWORD_HASH_CONCURRENCY', '0'],
      ['GATEHOUSE_PASSWORD_HASH_CONCURRENCY', '65'],
      ['GATEHOUSE_PASSWORD_HASH_QUEUE', '-1'],
      ['GATEHOUSE_PASSWORD_HASH_QUEUE', '10001'],
      ['GATEHOUSE_PASSWORD_HASH_NICE', '-1'],
      ['GATEHOUSE_PASSWORD_HASH_NICE', '20'],
      ['GATEHOUSE_PASSWORD_HASH_RESCUE_MS', '-1'],
      ['GATEHOUSE_PASSWORD_HASH_RESCUE_MS', '60001'],
      ['GATEHOUSE_PASSWORD_HASH_RESCUE_MS', '1.5'],
    ] as const) {
      assert.throws(() => loadConfig({ [name]: value }), { name: 'ConfigError', setting: name });
    }
  });

  it('reads the Redis store’s replica wait, and refuses it without the Redis store or out of range', () => {
    const redisStore = {
      GATEHOUSE_STORE: 'redis',
      REDIS_URL: 'redis://cache',
      GATEHOUSE_CSRF_SECRET: KEY,
      GATEHOUSE_KEY_ENCRYPTION_KEY: KEK,
    };
    const config = loadConfig({ ...redisStore, GATEHOUSE_REDIS_WAIT_REPLICAS: '2' }, [
      '--redis-wait-ms',
      '250',
    ]);
    assert.deepEqual([config.redisWaitReplicas, config.redisWaitMs], [2, 250]);
    assert.throws(() => loadConfig({ REDIS_URL: 'redis://cache', GATEHOUSE_REDIS_WAIT_REPLICAS: '1' }), {
      name: 'ConfigError',
      setting: 'GATEHOUSE_REDIS_WAIT_REPLICAS',
      message: /GATEHOUSE_STORE=redis only/,
    });
    for (const [name, value] of [
      ['GATEHOUSE_REDIS_WAIT_REPLICAS', '-1'],
      ['GATEHOUSE_REDIS_WAIT_REPLICAS', '17'],
      ['GATEHOUSE_REDIS_WAIT_MS', '0'],
      ['GATEHOUSE_REDIS_WAIT_MS', '60001'],
    ] as const) {
      assert.throws(() => loadConfig({ ...redisStore, [name]: value }), {
        name: 'ConfigError',
        setting: name,
      });
    }
  });

  it('reads GATEHOUSE_REDIS_CLUSTER, and refuses it without REDIS_URL or with a database in it', () => {
    assert.equal(
      loadConfig({ REDIS_URL: 'redis://node-1:7000', GATEHOUSE_REDIS_CLUSTER: 'ON' }).redisCluster,
      true,
    );
    assert.equal(
      loadConfig({ REDIS_URL: 'redis://node-1:7000/0' }, ['--redis-cluster', 'on']).redisCluster,
      true,
    );
    assert.throws(() => loadConfig({ GATEHOUSE_REDIS_CLUSTER: 'on' }), {
      name: 'ConfigError',
      setting: 'GATEHOUSE_REDIS_CLUSTER',
      message: /needs REDIS_URL/,
    });
    assert.throws(() => loadConfig({ REDIS_URL: 'redis://node-1:7000/2', GATEHOUSE_REDIS_CLUSTER: 'on' }), {
      name: 'ConfigError',
      setting: 'REDIS_URL',
      message: /database 0 only/,
    });
    assert.throws(() => loadConfig({ REDIS_URL: 'redis://node-1', GATEHOUSE_REDIS_CLUSTER: 'yes' }), {
      name: 'ConfigError',
      setting: 'GATEHOUSE_REDIS_CLUSTER',
    });
  });

  it('reads GATEHOUSE_REDIS_CLUSTER_NODES with the cluster setting only', () => {
    const env = { REDIS_URL: 'redis://node-1:7000', GATEHOUSE_REDIS_CLUSTER: 'on' };
    assert.deepEqual(
      loadConfig({ ...env, GATEHOUSE_REDIS_CLUSTER_NODES: 'node-2:7001, [::1]:7002' }).redisClusterNodes,
      [
        { host: 'node-2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
    );
    assert.equal(loadConfig(env).redisClusterNodes, null);
    assert.throws(
      () => loadConfig({ REDIS_URL: 'redis://node-1:7000', GATEHOUSE_REDIS_CLUSTER_NODES: 'n:1' }),
      {
        name: 'ConfigError',
        setting: 'GATEHOUSE_REDIS_CLUSTER_NODES',
        message: /GATEHOUSE_REDIS_CLUSTER=on only/,
      },
    );
    assert.throws(() => loadConfig({ ...env, GATEHOUSE_REDIS_CLUSTER_NODES: 'node-2' }), {
      name: 'ConfigError',
      setting: 'GATEHOUSE_REDIS_CLUSTER_NODES',
    });
  });

  it('reads GATEHOUSE_REDIS_SENTINELS, and refuses it without REDIS_URL, with a port in it, beside a cluster, or malformed', () => {
    const config = loadConfig({
      REDIS_URL: 'redis://:secret@gatehouse-primary',
      GATEHOUSE_REDIS_SENTINELS: ' 10.0.0.1:26379, [::1]:26380 ,sentinel-3.internal:26379',
    });
    assert.deepEqual(config.redisSentinels, [
      { host: '10.0.0.1', port: 26379 },
      { host: '::1', port: 26380 },
      { host: 'sentinel-3.internal', port: 26379 },
    ]);
    const sentinels = { GATEHOUSE_REDIS_SENTINELS: '10.0.0.1:26379' };
    for (const [env, setting, message] of [
      [sentinels, 'GATEHOUSE_REDIS_SENTINELS', /needs REDIS_URL/],
      [{ ...sentinels, REDIS_URL: 'redis://10.0.0.5:6379' }, 'REDIS_URL', /master's name .* without a port/],
      [
        { ...sentinels, REDIS_URL: 'redis://primary', GATEHOUSE_REDIS_CLUSTER: 'on' },
        'GATEHOUSE_REDIS_SENTINELS',
        /exclude each other/,
      ],
      [
        { REDIS_URL: 'redis://primary', GATEHOUSE_REDIS_SENTINELS: '10.0.0.1' },
        'GATEHOUSE_REDIS_SENTINELS',
        /is not host:port/,
      ],
      [
        { REDIS_URL: 'redis://primary', GATEHOUSE_REDIS_SENTINELS: '10.0.0.1:70000' },
        'GATEHOUSE_REDIS_SENTINELS',
        /is not host:port/,
      ],
      [
        { REDIS_URL: 'redis://primary', GATEHOUSE_REDIS_SENTINELS: ' , ' },
        'GATEHOUSE_REDIS_SENTINELS',
        /host:port pairs/,
      ],
    ] as const) {
      assert.throws(() => loadConfig(env as Record<string, string>), {
        name: 'ConfigError',
        setting,
        message,
      });
    }
  });

  it('reads GATEHOUSE_REDIS_SENTINEL_PASSWORD, a secret, with Sentinels only', () => {
    const sentinels = { REDIS_URL: 'redis://primary', GATEHOUSE_REDIS_SENTINELS: '10.0.0.1:26379' };
    assert.equal(
      loadConfig({ ...sentinels, GATEHOUSE_REDIS_SENTINEL_PASSWORD: ' s3cret ' }).redisSentinelPassword,
      's3cret',
    );
    assert.throws(
      () => loadConfig({ REDIS_URL: 'redis://cache:6379', GATEHOUSE_REDIS_SENTINEL_PASSWORD: 'x' }),
      {
        name: 'ConfigError',
        setting: 'GATEHOUSE_REDIS_SENTINEL_PASSWORD',
        message: /with GATEHOUSE_REDIS_SENTINELS only/,
      },
    );
  });

  it('reads the SQLite sync mode (any case) and refuses anything but normal or full', () => {
    assert.equal(loadConfig({ GATEHOUSE_SQLITE_SYNC: 'FULL' }).sqliteSync, 'full');
    assert.equal(
      loadConfig({ GATEHOUSE_SQLITE_SYNC: 'full' }, ['--sqlite-sync', 'normal']).sqliteSync,
      'normal',
    );
    for (const value of ['off', 'extra', '2', 'fsync']) {
      assert.throws(() => loadConfig({ GATEHOUSE_SQLITE_SYNC: value }), {
        name: 'ConfigError',
        setting: 'GATEHOUSE_SQLITE_SYNC',
        message: 'GATEHOUSE_SQLITE_SYNC must be normal or full',
      });
    }
  });

  it('reads env vars, and flags win over them (both --flag value and --flag=value)', () => {
    const config = loadConfig({ PORT: '4000', HOST: '0.0.0.0', LOG_LEVEL: 'debug' }, [
      '--port',
      '5000',
      '--log-level=warn',
    ]);
    assert.equal(config.port, 5000);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.logLevel, 'warn');
  });

  it('has a flag for every setting and lists each in the help', () => {
    const help = formatSettingsHelp();
    for (const setting of settings) {
      assert.match(setting.flag, /^--[a-z-]+$/);
      assert.ok(help.includes(setting.env) && help.includes(setting.flag), setting.env);
    }
    assert.equal(
      new Set(settings.map((setting) => setting.env)).size,
      settings.length,
      'env names are unique',
    );
    assert.equal(new Set(settings.map((setting) => setting.flag)).size, settings.length, 'flags are unique');
  });

  it('derives the allowed origins from the issuer, and parses an explicit list', () => {
    assert.deepEqual(loadConfig({ GATEHOUSE_ISSUER: 'https://auth.example.com/' }).allowedOrigins, [
      'https://auth.example.com',
    ]);
    assert.deepEqual(
      loadConfig({
        GATEHOUSE_ALLOWED_ORIGINS: 'https://a.example.com, https://B.example.com:8443/,https://a.example.com',
      }).allowedOrigins,
      ['https://a.example.com', 'https://b.example.com:8443'],
    );
  });

  it('parses trust-proxy settings', () => {
    assert.equal(loadConfig({ GATEHOUSE_TRUST_PROXY: 'true' }).trustProxy, true);
    assert.equal(loadConfig({ GATEHOUSE_TRUST_PROXY: 'false' }).trustProxy, false);
    assert.deepEqual(loadConfig({ GATEHOUSE_TRUST_PROXY: '10.0.0.0/8, ::1, loopback' }).trustProxy, [
      '10.0.0.0/8',
      '::1',
      'loopback',
    ]);
  });

  it('accepts a DATABASE_URL with a CSRF secret and a key-encryption key, and decodes both', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db/gatehouse',
      GATEHOUSE_CSRF_SECRET: KEY,
      GATEHOUSE_KEY_ENCRYPTION_KEY: KEK,
    });
    assert.equal(config.databaseUrl, 'postgres://u:p@db/gatehouse');
    assert.equal(config.csrfSecret?.byteLength, 32);
    assert.deepEqual(config.keyEncryptionKey, new Uint8Array(Buffer.alloc(32, 9)));
  });

  it('condenses a longer key-encryption key to 32 bytes, the same way every time', () => {
    const long = Buffer.alloc(48, 5).toString('base64url');
    const first = loadConfig({ GATEHOUSE_KEY_ENCRYPTION_KEY: long }).keyEncryptionKey;
    const second = loadConfig({}, [`--key-encryption-key=${long}`]).keyEncryptionKey;
    assert.equal(first?.byteLength, 32);
    assert.deepEqual(first, second);
    assert.notDeepEqual(first, new Uint8Array(Buffer.alloc(32, 5)));
  });

  it('reads the signing algorithm (any case) and the rotation period', () => {
    for (const [text, algorithm] of [
      ['ES256', 'ES256'],
      ['eddsa', 'EdDSA'],
      ['rs256', 'RS256'],
      ['HS256', 'HS256'],
    ]) {
      assert.equal(loadConfig({ GATEHOUSE_SIGNING_ALG: text }).signingAlgorithm, algorithm);
    }
    assert.equal(loadConfig({}, ['--key-rotation-days', '30']).keyRotationDays, 30);
  });

  it('reads the audit retention in days, 1 to 3650', () => {
    assert.equal(loadConfig({ GATEHOUSE_AUDIT_RETENTION_DAYS: '365' }).auditRetentionDays, 365);
    assert.equal(loadConfig({}, ['--audit-retention-days=1']).auditRetentionDays, 1);
    for (const bad of ['0', '3651', '-1', 'forever', '1.5']) {
      assert.throws(() => loadConfig({ GATEHOUSE_AUDIT_RETENTION_DAYS: bad }), {
        name: 'ConfigError',
        setting: 'GATEHOUSE_AUDIT_RETENTION_DAYS',
      });
    }
  });

  it('reads the revocation streams a server and an address may hold open, 1 to 1000000', () => {
    const config = loadConfig({ GATEHOUSE_FEED_MAX_STREAMS: '5000' }, ['--feed-max-streams-per-address=8']);
    assert.deepEqual([config.feedMaxStreams, config.feedMaxStreamsPerAddress], [5000, 8]);
    for (const setting of ['GATEHOUSE_FEED_MAX_STREAMS', 'GATEHOUSE_FEED_MAX_STREAMS_PER_ADDRESS'])
      for (const bad of ['0', '1000001', 'many', '1.5'])
        assert.throws(() => loadConfig({ [setting]: bad }), { name: 'ConfigError', setting });
  });

  it('reads the live sessions a user may hold, 1 to 100000', () => {
    assert.equal(loadConfig({ GATEHOUSE_MAX_SESSIONS_PER_USER: '5' }).maxSessionsPerUser, 5);
    assert.equal(loadConfig({}, ['--max-sessions-per-user=100000']).maxSessionsPerUser, 100_000);
    for (const bad of ['0', '100001', '-1', 'unlimited', '2.5']) {
      assert.throws(() => loadConfig({ GATEHOUSE_MAX_SESSIONS_PER_USER: bad }), {
        name: 'ConfigError',
        setting: 'GATEHOUSE_MAX_SESSIONS_PER_USER',
      });
    }
  });

  it('warns about HS256 only when it is chosen', () => {
    assert.deepEqual(configWarnings(loadConfig({})), []);
    assert.deepEqual(configWarnings(loadConfig({ GATEHOUSE_SIGNING_ALG: 'EdDSA' })), []);
    const [warning, ...rest] = configWarnings(loadConfig({ GATEHOUSE_SIGNING_ALG: 'HS256' }));
    assert.match(warning!, /HS256.*single service/);
    assert.deepEqual(rest, []);
  });

  const invalid: [string, Record<string, string>, string[], string][] = [
    ['a non-numeric port', { PORT: 'http' }, [], 'PORT'],
    ['a port out of range', {}, ['--port', '70000'], 'PORT'],
    ['a negative port', { PORT: '-1' }, [], 'PORT'],
    [
      'a fractional TTL',
      { GATEHOUSE_SESSION_IDLE_TTL_SECONDS: '1.5' },
      [],
      'GATEHOUSE_SESSION_IDLE_TTL_SECONDS',
    ],
    [
      'an access-token TTL over 15 min',
      { GATEHOUSE_ACCESS_TOKEN_TTL_SECONDS: '901' },
      [],
      'GATEHOUSE_ACCESS_TOKEN_TTL_SECONDS',
    ],
    [
      'an absolute TTL below the idle TTL',
      { GATEHOUSE_SESSION_IDLE_TTL_SECONDS: '3600', GATEHOUSE_SESSION_ABSOLUTE_TTL_SECONDS: '600' },
      [],
      'GATEHOUSE_SESSION_ABSOLUTE_TTL_SECONDS',
    ],
    [
      'a refresh grace over 60 s',
      { GATEHOUSE_REFRESH_GRACE_SECONDS: '61' },
      [],
      'GATEHOUSE_REFRESH_GRACE_SECONDS',
    ],
    ['a relative issuer', { GATEHOUSE_ISSUER: 'auth.example.com' }, [], 'GATEHOUSE_ISSUER'],
    ['an ftp issuer', { GATEHOUSE_ISSUER: 'ftp://auth.example.com' }, [], 'GATEHOUSE_ISSUER'],
    ['an issuer with a query', { GATEHOUSE_ISSUER: 'https://auth.example.com/?x=1' }, [], 'GATEHOUSE_ISSUER'],
    [
      'Origin null as an allowed origin',
      { GATEHOUSE_ALLOWED_ORIGINS: 'null' },
      [],
      'GATEHOUSE_ALLOWED_ORIGINS',
    ],
    ['a wildcard origin', { GATEHOUSE_ALLOWED_ORIGINS: '*' }, [], 'GATEHOUSE_ALLOWED_ORIGINS'],
    [
      'an origin with a path',
      { GATEHOUSE_ALLOWED_ORIGINS: 'https://a.example.com/app' },
      [],
      'GATEHOUSE_ALLOWED_ORIGINS',
    ],
    ['a trust-proxy hop count', { GATEHOUSE_TRUST_PROXY: '2' }, [], 'GATEHOUSE_TRUST_PROXY'],
    ['a trust-proxy host name', { GATEHOUSE_TRUST_PROXY: 'proxy.internal' }, [], 'GATEHOUSE_TRUST_PROXY'],
    ['a bad CIDR prefix', { GATEHOUSE_TRUST_PROXY: '10.0.0.0/33' }, [], 'GATEHOUSE_TRUST_PROXY'],
    ['an unknown log level', { LOG_LEVEL: 'loud' }, [], 'LOG_LEVEL'],
    [
      'a mysql DATABASE_URL',
      { DATABASE_URL: 'mysql://db/x', GATEHOUSE_CSRF_SECRET: KEY, GATEHOUSE_KEY_ENCRYPTION_KEY: KEK },
      [],
      'DATABASE_URL',
    ],
    ['an http REDIS_URL', { REDIS_URL: 'http://cache' }, [], 'REDIS_URL'],
    [
      'a DATABASE_URL without a CSRF secret',
      { DATABASE_URL: 'postgres://db/x', GATEHOUSE_KEY_ENCRYPTION_KEY: KEK },
      [],
      'GATEHOUSE_CSRF_SECRET',
    ],
    [
      'a DATABASE_URL without a key-encryption key',
      { DATABASE_URL: 'postgres://db/x', GATEHOUSE_CSRF_SECRET: KEY },
      [],
      'GATEHOUSE_KEY_ENCRYPTION_KEY',
    ],
    [
      'a key-encryption key shorter than 32 bytes',
      { GATEHOUSE_KEY_ENCRYPTION_KEY: Buffer.alloc(31).toString('base64url') },
      [],
      'GATEHOUSE_KEY_ENCRYPTION_KEY',
    ],
    [
      'the CSRF secret reused as the key-encryption key',
      { GATEHOUSE_CSRF_SECRET: KEY, GATEHOUSE_KEY_ENCRYPTION_KEY: KEY },
      [],
      'GATEHOUSE_KEY_ENCRYPTION_KEY',
    ],
    ['an unknown signing algorithm', { GATEHOUSE_SIGNING_ALG: 'none' }, [], 'GATEHOUSE_SIGNING_ALG'],
    ['a PS256 signing algorithm', {}, ['--signing-alg', 'PS256'], 'GATEHOUSE_SIGNING_ALG'],
    ['a rotation period of 0 days', { GATEHOUSE_KEY_ROTATION_DAYS: '0' }, [], 'GATEHOUSE_KEY_ROTATION_DAYS'],
    ['an unknown flag', {}, ['--prot', '3000'], '--prot'],
    ['a stray argument', {}, ['3000'], 'argv'],
    ['a flag without a value', {}, ['--port'], 'PORT'],
    ['a flag followed by another flag', {}, ['--port', '--host', 'x'], 'PORT'],
  ];
  for (const [name, env, argv, setting] of invalid) {
    it(`refuses ${name}, naming ${setting}`, () => refuses(env, argv, setting));
  }

  it('names every missing shared secret at once, with the command that makes them', () => {
    for (const env of [
      { DATABASE_URL: 'postgres://db/x' },
      { GATEHOUSE_STORE: 'redis', REDIS_URL: 'redis://cache' },
    ]) {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.message.includes('GATEHOUSE_CSRF_SECRET, GATEHOUSE_KEY_ENCRYPTION_KEY') &&
          error.message.includes('npm run gatehouse -- secrets generate'),
      );
    }
    assert.throws(
      () => loadConfig({ GATEHOUSE_STORE: 'redis', REDIS_URL: 'redis://cache', GATEHOUSE_CSRF_SECRET: KEY }),
      /GATEHOUSE_STORE=redis.*this one is missing: GATEHOUSE_KEY_ENCRYPTION_KEY\./,
    );
    const redis = loadConfig({
      GATEHOUSE_STORE: 'redis',
      REDIS_URL: 'redis://cache',
      GATEHOUSE_CSRF_SECRET: KEY,
      GATEHOUSE_KEY_ENCRYPTION_KEY: KEK,
    });
    assert.equal(redis.store, 'redis');
    // The feed alone in Redis keeps the embedded SQLite store and its generated secrets.
    assert.equal(loadConfig({ REDIS_URL: 'redis://cache' }).csrfSecret, null);
  });

  it('never echoes a secret value in its errors', () => {
    refuses({ GATEHOUSE_CSRF_SECRET: 'tooshort-s3cr3t' }, [], 'GATEHOUSE_CSRF_SECRET', 'tooshort-s3cr3t');
    refuses({}, ['--csrf-secret=tooshort-s3cr3t'], 'GATEHOUSE_CSRF_SECRET', 's3cr3t');
    refuses({ GATEHOUSE_KEY_ENCRYPTION_KEY: 'tooshort-k3k' }, [], 'GATEHOUSE_KEY_ENCRYPTION_KEY', 'k3k');
    refuses(
      { GATEHOUSE_CSRF_SECRET: KEY, GATEHOUSE_KEY_ENCRYPTION_KEY: KEY },
      [],
      'GATEHOUSE_KEY_ENCRYPTION_KEY',
      KEY,
    );
    refuses(
      {
        DATABASE_URL: 'mysql://admin:hunter2@db/x',
        GATEHOUSE_CSRF_SECRET: KEY,
        GATEHOUSE_KEY_ENCRYPTION_KEY: KEK,
      },
      [],
      'DATABASE_URL',
      'hunter2',
    );
    refuses({ DATABASE_URL: 'postgres://admin:hunter2@[bad' }, [], 'DATABASE_URL', 'hunter2');
    refuses({ REDIS_URL: 'ftp://:hunter2@cache' }, [], 'REDIS_URL', 'hunter2');
    refuses({}, ['--passwrd=hunter2'], '--passwrd', 'hunter2');
    refuses({}, ['--port', '3000', 'hunter2'], 'argv', 'hunter2');
  });
});
