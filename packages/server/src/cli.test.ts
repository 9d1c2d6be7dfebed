import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAuth } from '@gatehouse/core';
import { createFastHasher } from '@gatehouse/core/testing';
import { type CliIo, runCli } from './cli.ts';
import { loadConfig, settings } from './config.ts';
import { openStore } from './store/open-store.ts';

const PASSWORD = 'a long enough passphrase';

function fakeIo(env: Record<string, string> = {}, stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  let stdinReads = 0;
  const io: CliIo = {
    env,
    readStdin: async () => {
      stdinReads++;
      return stdin;
    },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
  return { io, out, err, stdinReads: () => stdinReads };
}

function assertUsageError(code: number, err: string[], pattern: RegExp): void {
  assert.equal(code, 2);
  assert.equal(err.length, 1);
  assert.ok(!err[0]!.includes('\n'), 'one line');
  assert.match(err[0]!, pattern);
}

describe('gatehouse CLI', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-cli-'));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints the commands and every setting for --help, exit 0', async () => {
    for (const argv of [['--help'], ['help'], ['serve', '--help'], ['-h']]) {
      const { io, out } = fakeIo();
      assert.equal(await runCli(argv, io), 0);
      const help = out.join('\n');
      for (const command of ['serve', 'migrate', 'admin create', 'keys list', 'keys rotate', 'keys revoke']) {
        assert.ok(help.includes(command), command);
      }
      for (const setting of settings) assert.ok(help.includes(setting.env) && help.includes(setting.flag));
    }
  });

  it('exits 2 with one line for an unknown command, a bad setting or no command', async () => {
    let run = fakeIo();
    assertUsageError(await runCli(['launch'], run.io), run.err, /unknown command "launch"/);
    run = fakeIo();
    assertUsageError(await runCli(['serve', '--port', 'eighty'], run.io), run.err, /PORT/);
    run = fakeIo();
    assertUsageError(await runCli(['migrate', '--nope'], run.io), run.err, /unknown option "--nope"/);
    run = fakeIo();
    assertUsageError(await runCli(['admin', 'delete'], run.io), run.err, /unknown command "admin delete"/);
    run = fakeIo();
    assert.equal(await runCli([], run.io), 2);
  });

  it('answers a command group alone with its commands (exit 2) and with --help (exit 0)', async () => {
    const groups: [string, string[]][] = [
      ['users', ['users list', 'users suspend', 'users unsuspend', 'users delete']],
      ['keys', ['keys list', 'keys rotate', 'keys revoke']],
      ['admin', ['admin create']],
      ['sessions', ['sessions revoke']],
      ['secrets', ['secrets generate']],
    ];
    for (const [group, commands] of groups) {
      let run = fakeIo();
      assert.equal(await runCli([group], run.io), 2, group);
      const text = run.err.join('\n');
      for (const command of commands) assert.ok(text.includes(command), `${group}: ${command}`);
      assert.ok(!text.includes('unknown command'), text);
      assert.ok(!text.includes('serve  '), `${group} lists only its own commands`);
      run = fakeIo();
      assert.equal(await runCli([group, '--help'], run.io), 0);
      assert.match(run.out.join('\n'), new RegExp(`Usage: gatehouse ${group} <command>`));
    }
  });

  it('secrets generate prints every shared secret once, fresh each time, accepted by the configuration', async () => {
    const read = async () => {
      const run = fakeIo();
      assert.equal(await runCli(['secrets', 'generate'], run.io), 0);
      const values = Object.fromEntries(
        run.out.filter((line) => !line.startsWith('#')).map((line) => line.split(/=(.*)/s).slice(0, 2)),
      );
      return values as Record<string, string>;
    };
    const first = await read();
    assert.deepEqual(Object.keys(first).sort(), [
      'GATEHOUSE_CSRF_SECRET',
      'GATEHOUSE_KEY_ENCRYPTION_KEY',
      'GATEHOUSE_METRICS_TOKEN',
      'GATEHOUSE_SERVICE_TOKEN',
    ]);
    for (const value of Object.values(first)) assert.equal(Buffer.from(value, 'base64url').length, 32);
    assert.equal(new Set(Object.values(first)).size, 4, 'four different values');
    const second = await read();
    assert.notEqual(second.GATEHOUSE_CSRF_SECRET, first.GATEHOUSE_CSRF_SECRET);
    const config = loadConfig({ ...first, DATABASE_URL: 'postgres://db/x' });
    assert.ok(
      config.csrfSecret && config.keyEncryptionKey && config.serviceToken && config.metrics.metricsToken,
    );
    const run = fakeIo();
    assertUsageError(
      await runCli(['secrets', 'rotate'], run.io),
      run.err,
      /unknown command "secrets rotate"/,
    );
  });

  it('never accepts a password as a flag, and does not echo it', async () => {
    for (const argv of [
      ['admin', 'create', '--email', 'a@example.com', '--password', 'hunter2hunter2'],
      ['admin', 'create', '--email', 'a@example.com', '--password=hunter2hunter2'],
    ]) {
      const { io, err } = fakeIo();
      assertUsageError(await runCli([...argv, '--data-dir', dataDir], io), err, /--password-stdin/);
      assert.ok(!err[0]!.includes('hunter2'));
    }
  });

  it('needs --email, a valid email, and a password source to create an admin', async () => {
    let run = fakeIo({ GATEHOUSE_ADMIN_PASSWORD: PASSWORD });
    assertUsageError(await runCli(['admin', 'create', '--data-dir', dataDir], run.io), run.err, /--email/);
    run = fakeIo({ GATEHOUSE_ADMIN_PASSWORD: PASSWORD });
    assertUsageError(
      await runCli(['admin', 'create', '--email', 'nope', '--data-dir', dataDir], run.io),
      run.err,
      /not a valid email/,
    );
    run = fakeIo();
    assertUsageError(
      await runCli(['admin', 'create', '--email', 'new@example.com', '--data-dir', dataDir], run.io),
      run.err,
      /--password-stdin or set GATEHOUSE_ADMIN_PASSWORD/,
    );
    run = fakeIo({}, 'short\n');
    assertUsageError(
      await runCli(
        ['admin', 'create', '--email', 'new@example.com', '--password-stdin', '--data-dir', dataDir],
        run.io,
      ),
      run.err,
      /password rejected \(too_short\)/,
    );
  });

  it('migrates the store, exit 0', async () => {
    const { io, out, err } = fakeIo();
    assert.equal(await runCli(['migrate', '--data-dir', dataDir], io), 0, err.join('\n'));
    assert.match(out.join('\n'), /Migrations applied/);
  });

  it('creates an admin from stdin (dropping the trailing newline), then grants the role to an existing user', async () => {
    const created = fakeIo({}, `${PASSWORD}\n`);
    const code = await runCli(
      ['admin', 'create', '--email', 'Root@Example.com', '--password-stdin', '--data-dir', dataDir],
      created.io,
    );
    assert.equal(code, 0, created.err.join('\n'));
    assert.equal(created.stdinReads(), 1);

    const store = await openStore({ databaseUrl: null, dataDir });
    let sessionBeforeGrant: string;
    try {
      // The production hasher verifies what the CLI stored: log in with the exact password.
      const { user } = await createAuth({ store }).login({ email: 'root@example.com', password: PASSWORD });
      assert.deepEqual(user.roles, ['admin']);

      const auth = createAuth({ store, hasher: createFastHasher() });
      await auth.register({ email: 'staff@example.com', password: PASSWORD });
      const staff = await store.users.getByEmail('staff@example.com');
      sessionBeforeGrant = (
        await auth.createSession({
          user: staff!,
          strategy: 'session',
          context: { ip: null, userAgent: null },
        })
      ).session.id;
    } finally {
      await store.close();
    }

    const granted = fakeIo();
    assert.equal(
      await runCli(['admin', 'create', '--email', 'staff@example.com', '--data-dir', dataDir], granted.io),
      0,
    );
    assert.equal(granted.stdinReads(), 0, 'no password needed to grant the role');
    assert.match(granted.out.join('\n'), /admin role .*1 session/);

    const reopened = await openStore({ databaseUrl: null, dataDir });
    try {
      assert.deepEqual((await reopened.users.getByEmail('staff@example.com'))?.roles, ['admin']);
      assert.equal(
        await reopened.sessions.get(sessionBeforeGrant),
        null,
        'sessions from before the grant end',
      );
    } finally {
      await reopened.close();
    }

    const again = fakeIo();
    assert.equal(
      await runCli(['admin', 'create', '--email', 'staff@example.com', '--data-dir', dataDir], again.io),
      0,
    );
    assert.match(again.out.join('\n'), /already an admin/);
  });

  it('grants the admin role through the admin operations, audited as the admin API audits a role change', async () => {
    const store = await openStore({ databaseUrl: null, dataDir });
    let userId: string;
    let sessionId: string;
    try {
      const auth = createAuth({ store, hasher: createFastHasher() });
      await auth.register({ email: 'ops@example.com', password: PASSWORD, roles: ['support'] });
      const user = (await store.users.getByEmail('ops@example.com'))!;
      userId = user.id;
      sessionId = (
        await auth.createSession({ user, strategy: 'session', context: { ip: null, userAgent: null } })
      ).session.id;
    } finally {
      await store.close();
    }

    const run = fakeIo();
    assert.equal(
      await runCli(['admin', 'create', '--email', 'ops@example.com', '--data-dir', dataDir], run.io),
      0,
      run.err.join('\n'),
    );

    const reopened = await openStore({ databaseUrl: null, dataDir });
    try {
      assert.deepEqual((await reopened.users.getById(userId))?.roles, ['admin', 'support']);
      const [changed, ...more] = await reopened.audit.query({
        userId,
        type: 'user.roles_changed',
        limit: 10,
      });
      assert.equal(more.length, 0);
      assert.equal(changed?.actorId, null, 'the operator has no account');
      assert.deepEqual(changed?.data, {
        before: ['support'],
        after: ['admin', 'support'],
        sessionsRevoked: 1,
        via: 'cli',
      });
      const [revoked] = await reopened.audit.query({ userId, type: 'session.revoked', limit: 10 });
      assert.equal(revoked?.sessionId, sessionId);
      assert.equal(revoked?.data['reason'], 'admin');
    } finally {
      await reopened.close();
    }
  });
});

describe('gatehouse keys', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-cli-keys-'));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  async function keys(argv: string[], env: Record<string, string> = {}) {
    const run = fakeIo(env);
    const code = await runCli(['keys', ...argv, '--data-dir', dataDir], run.io);
    return { code, out: run.out, err: run.err };
  }

  const kidsIn = (lines: string[]) => lines.map((line) => line.split(/\s+/)[0]!);

  it('lists nothing yet, rotates, lists active and retired keys, and revokes one', async () => {
    const empty = await keys(['list']);
    assert.equal(empty.code, 0);
    assert.match(empty.out.join('\n'), /No signing keys yet/);

    const first = await keys(['rotate']);
    assert.equal(first.code, 0, first.err.join('\n'));
    const firstKid = /Rotated: (\S+) \(ES256\)/.exec(first.out.join('\n'))?.[1];
    assert.ok(firstKid);
    const second = await keys(['rotate', '--signing-alg', 'EdDSA']);
    const secondKid = /Rotated: (\S+) \(EdDSA\)/.exec(second.out.join('\n'))?.[1];
    assert.ok(secondKid);

    const listed = await keys(['list']);
    assert.equal(listed.code, 0);
    assert.equal(listed.out.length, 2);
    assert.match(listed.out.find((line) => line.startsWith(secondKid))!, /EdDSA\s+active\s+created \S+Z$/);
    assert.match(
      listed.out.find((line) => line.startsWith(firstKid))!,
      /ES256\s+retired\s+created \S+Z\s+retired \S+Z$/,
    );

    const revoked = await keys(['revoke', '--', firstKid]);
    assert.equal(revoked.code, 0, revoked.err.join('\n'));
    assert.match(revoked.out.join('\n'), new RegExp(`Revoked ${firstKid}: tokens it signed are refused\\.`));
    assert.deepEqual(kidsIn((await keys(['list'])).out), [secondKid]);

    const active = await keys(['revoke', '--', secondKid]);
    assert.match(active.out.join('\n'), /a new active key was created/);
    const after = kidsIn((await keys(['list'])).out);
    assert.equal(after.length, 1);
    assert.notEqual(after[0], secondKid);
  });

  it('takes a kid that starts with "-" (base64url), and one after "--"', async () => {
    const dashed = await keys(['revoke', '-AbC_dEf']);
    assert.equal(dashed.code, 1);
    assert.deepEqual(dashed.err, ['gatehouse: no signing key -AbC_dEf']);
    const separated = await keys(['revoke', '--', '--AbC']);
    assert.equal(separated.code, 1);
    assert.deepEqual(separated.err, ['gatehouse: no signing key --AbC']);
  });

  it('refuses a missing or malformed kid and extra words (exit 2)', async () => {
    let run = await keys(['revoke']);
    assertUsageError(run.code, run.err, /keys revoke needs the kid/);
    run = await keys(['revoke', 'not a kid!']);
    assertUsageError(run.code, run.err, /keys revoke needs the kid/);
    run = await keys(['rotate', 'now']);
    assertUsageError(run.code, run.err, /unknown command "keys rotate now"/);
    run = await keys(['delete']);
    assertUsageError(run.code, run.err, /unknown command "keys delete"/);
  });

  it('writes nothing with a key-encryption key that cannot read the stored keys (exit 1)', async () => {
    const before = kidsIn((await keys(['list'])).out);
    const wrong = { GATEHOUSE_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64url') };
    const rotate = await keys(['rotate'], wrong);
    assert.equal(rotate.code, 1);
    assert.equal(rotate.err.length, 1);
    assert.match(
      rotate.err[0]!,
      /^gatehouse: ERR_KEY_UNAVAILABLE: .*Check that GATEHOUSE_KEY_ENCRYPTION_KEY is the value/,
    );
    assert.ok(!rotate.err[0]!.includes(wrong.GATEHOUSE_KEY_ENCRYPTION_KEY), 'the key itself is never shown');
    const revoke = await keys(['revoke', '--', before[0]!], wrong);
    assert.equal(revoke.code, 1);
    assert.deepEqual(kidsIn((await keys(['list'])).out), before);
  });
});
