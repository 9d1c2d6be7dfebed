import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from './config.ts';
import { firstAdminHint } from './server.ts';

const SECRETS = { GATEHOUSE_CSRF_SECRET: 'c'.repeat(43), GATEHOUSE_KEY_ENCRYPTION_KEY: 'k'.repeat(43) };

describe('the first-admin hint', () => {
  it('names a data directory that is not the default, so the command writes to this server’s store', () => {
    const hint = firstAdminHint(loadConfig({ GATEHOUSE_DATA_DIR: '/tmp/gatehouse-example-x1' })).join('\n');
    assert.match(
      hint,
      /admin create --email you@example\.com --password-stdin --data-dir \/tmp\/gatehouse-example-x1$/m,
    );
    const relative = firstAdminHint(loadConfig({ GATEHOUSE_DATA_DIR: 'my data' })).join('\n');
    assert.ok(relative.includes(`--data-dir '${resolve('my data')}'`), relative);
  });

  it('is the plain command for the default ./data', () => {
    const hint = firstAdminHint(loadConfig({}));
    assert.equal(hint[1], '  npm run gatehouse -- admin create --email you@example.com --password-stdin');
  });

  it('names the shared store’s settings without their values', () => {
    const postgres = firstAdminHint(
      loadConfig({ ...SECRETS, DATABASE_URL: 'postgres://u:hunter2@db/x' }),
    ).join('\n');
    assert.match(postgres, /same DATABASE_URL and secrets/);
    assert.ok(!postgres.includes('hunter2') && !postgres.includes('--data-dir'));
    const redis = firstAdminHint(
      loadConfig({ ...SECRETS, GATEHOUSE_STORE: 'redis', REDIS_URL: 'redis://r' }),
    ).join('\n');
    assert.match(redis, /same GATEHOUSE_STORE, REDIS_URL and secrets/);
  });
});
