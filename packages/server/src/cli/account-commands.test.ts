import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Auth, createAuth, type GatehouseStore, systemClock } from '@gatehouse/core';
import { createFastHasher } from '@gatehouse/core/testing';
import { Redis } from 'ioredis';
import { type CliIo, formatHelp, runCli } from '../cli.ts';
import { loadConfig } from '../config.ts';
import { createRedisStreamFeed } from '../feed/redis-stream-feed.ts';
import { openStore } from '../store/open-store.ts';

const PASSWORD = 'a long enough passphrase';
const redisUrl = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

function fakeIo(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    env,
    readStdin: async () => '',
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
  return { io, out, err };
}

describe('gatehouse users / sessions / audit', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-accounts-'));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Opens the CLI's store directly to arrange and inspect, the way a running server would. */
  async function withAuth<T>(use: (auth: Auth, store: GatehouseStore) => Promise<T>): Promise<T> {
    const store = await openStore(loadConfig({}, ['--data-dir', dataDir]));
    try {
      return await use(createAuth({ store, hasher: createFastHasher() }), store);
    } finally {
      await store.close();
    }
  }

  async function cli(argv: string[], env: Record<string, string> = {}) {
    const run = fakeIo(env);
    const code = await runCli([...argv, '--data-dir', dataDir], run.io);
    return { code, ...run };
  }

  async function signedIn(email: string) {
    return withAuth(async (auth) => {
      const { user } = await auth.register({ email, password: PASSWORD });
      const { session } = await auth.login({ email, password: PASSWORD, strategy: 'token' });
      return { userId: user!.id, sessionId: session.id };
    });
  }

  it('lists the commands in --help', () => {
    for (const command of [
      'users list',
      'users suspend',
      'users unsuspend',
      'users delete',
      'sessions revoke',
      'audit [',
    ]) {
      assert.ok(formatHelp().includes(command), command);
    }
  });

  it('lists accounts, filtered by --query, without any hash', async () => {
    const alice = await signedIn('alice@example.com');
    await signedIn('bob@example.com');
    const all = await cli(['users', 'list']);
    assert.equal(all.code, 0, all.err.join('\n'));
    assert.equal(all.out.length, 3, 'a header and two rows');
    assert.match(all.out[0]!, /^ID {2,}EMAIL {2,}STATUS {2}ROLES {2}CREATED$/);
    assert.match(all.out[1]!, new RegExp(`^${alice.userId} {2,}alice@example.com  active  -  {5}\\d{4}-`));
    // Aligned: every column starts at the same offset on every line.
    const starts = (line: string) => [...line.matchAll(/(?:^| {2})(\S)/g)].map((match) => match.index);
    assert.deepEqual(starts(all.out[1]!), starts(all.out[0]!));
    assert.deepEqual(starts(all.out[2]!), starts(all.out[0]!));
    assert.ok(!all.out.join('\n').includes('$argon2') && !all.out.join('\n').includes('$fast'));
    const some = await cli(['users', 'list', '--query', 'BOB']);
    assert.deepEqual(
      some.out.slice(1).map((line) => line.split(/ {2,}/)[1]),
      ['bob@example.com'],
    );
    const none = await cli(['users', 'list', '--query=nobody']);
    assert.deepEqual(none.out, ['No accounts match.']);
  });

  it('suspends by email (sessions revoked, audited as the CLI) and unsuspends by id', async () => {
    const carol = await signedIn('carol@example.com');
    const suspended = await cli(['users', 'suspend', 'Carol@Example.com']);
    assert.equal(suspended.code, 0, suspended.err.join('\n'));
    assert.equal(suspended.out[0], 'Suspended carol@example.com (1 session(s) signed out).');
    assert.match(suspended.out[1]!, /without REDIS_URL/, 'says what the running servers miss');
    await withAuth(async (_auth, store) => {
      assert.equal((await store.users.getById(carol.userId))?.status, 'suspended');
      assert.equal(await store.sessions.get(carol.sessionId), null);
      const [event] = await store.audit.query({
        type: 'user.suspended',
        userId: carol.userId,
        limit: 1,
      });
      assert.equal(event?.actorId, null);
      assert.deepEqual(event?.data, { sessionsRevoked: 1, via: 'cli' });
    });
    const unsuspended = await cli(['users', 'unsuspend', '--', carol.userId]);
    assert.equal(unsuspended.code, 0, unsuspended.err.join('\n'));
    await withAuth(async (_auth, store) => {
      assert.equal((await store.users.getById(carol.userId))?.status, 'active');
    });
  });

  it('revokes every session of an account, and deletes one', async () => {
    const dave = await signedIn('dave@example.com');
    const revoked = await cli(['sessions', 'revoke', '--user', 'dave@example.com']);
    assert.equal(revoked.code, 0, revoked.err.join('\n'));
    assert.equal(revoked.out[0], 'Signed out 1 session(s) of dave@example.com.');
    const deleted = await cli(['users', 'delete', '--', dave.userId]);
    assert.equal(deleted.code, 0, deleted.err.join('\n'));
    assert.equal(deleted.out[0], `Deleted dave@example.com (${dave.userId}; 0 session(s) signed out).`);
    await withAuth(async (_auth, store) => assert.equal(await store.users.getById(dave.userId), null));
    const again = await cli(['users', 'delete', '--', dave.userId]);
    assert.equal(again.code, 1);
    assert.deepEqual(again.err, [`gatehouse: no account ${dave.userId}`]);
  });

  it('prints audit events as JSON lines, filtered by user, type and limit', async () => {
    const erin = await signedIn('erin@example.com');
    await cli(['sessions', 'revoke', `--user=${erin.userId}`]);
    const all = await cli(['audit', '--user', 'erin@example.com']);
    assert.equal(all.code, 0, all.err.join('\n'));
    const events = all.out.map((line) => JSON.parse(line));
    // Events of one millisecond have no defined order among themselves: compared as a set.
    assert.deepEqual(events.map((event) => event.type).sort(), [
      'login.success',
      'session.revoked',
      'user.registered',
      'user.sessions_revoked',
    ]);
    const times = events.map((event) => Date.parse(event.at));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
      'newest first',
    );
    assert.match(events[0].at, /^\d{4}-\d{2}-\d{2}T/);
    const one = await cli(['audit', '--type', 'login.success', '--limit', '1']);
    assert.equal(one.out.length, 1);
    assert.equal(JSON.parse(one.out[0]!).type, 'login.success');
  });

  it('audits signing-key rotation and revocation done at the CLI', async () => {
    const rotated = await cli(['keys', 'rotate']);
    assert.equal(rotated.code, 0, rotated.err.join('\n'));
    const second = await cli(['keys', 'rotate']);
    const kid = /Rotated: (\S+)/.exec(second.out[0]!)![1]!;
    const revoked = await cli(['keys', 'revoke', '--', kid]);
    assert.equal(revoked.code, 0, revoked.err.join('\n'));
    const audit = await cli(['audit', '--type', 'key.revoked']);
    const [event] = audit.out.map((line) => JSON.parse(line));
    assert.equal(event.actorId, null);
    assert.equal(event.data.kid, kid);
    assert.equal(event.data.wasActive, true);
    assert.notEqual(event.data.active, kid, 'revoking the active key made a new one');
    assert.equal(event.data.via, 'cli');
    assert.equal((await cli(['audit', '--type', 'key.rotated'])).out.length, 2);
  });

  it('refuses a bad command line with exit 2 and one line', async () => {
    for (const [argv, pattern] of [
      [['users', 'purge', 'x'], /unknown command "users purge x"/],
      [['users', 'suspend'], /needs an account id or email/],
      [['users', 'suspend', 'a', 'b'], /unknown command/],
      [['users', 'list', '--user', 'x'], /--user does not apply to users list/],
      [['sessions', 'revoke'], /needs --user/],
      [['audit', '--limit', '0'], /--limit/],
      [['audit', '--type', 'DROP TABLE'], /--type/],
      [['audit', '--user'], /--user needs a value/],
      [['users', 'suspend', 'not an email@'], /valid email/],
      [['users', 'list', '--nope'], /unknown option "--nope"/],
    ] as const) {
      const run = await cli([...argv]);
      assert.equal(run.code, 2, `${argv.join(' ')}: ${run.err.join('\n')}`);
      assert.equal(run.err.length, 1);
      assert.match(run.err[0]!, pattern);
    }
    const unknown = await cli(['users', 'suspend', 'nobody@example.com']);
    assert.equal(unknown.code, 1);
  });

  it('takes an id starting with "-" after "--"', async () => {
    const run = await cli(['users', 'unsuspend', '--', '-AAAAAAAAAAAAAAAAAAAAA']);
    assert.equal(run.code, 1);
    assert.deepEqual(run.err, ['gatehouse: no account -AAAAAAAAAAAAAAAAAAAAA']);
  });

  // Random ids start with '-' one time in 64: they go after '--', as the CLI's help says.
  it('publishes the revocations to the Redis Streams feed when REDIS_URL is set', async () => {
    const frank = await signedIn('frank@example.com');
    const run = await cli(['users', 'suspend', '--', frank.userId], { REDIS_URL: redisUrl });
    assert.equal(run.code, 0, run.err.join('\n'));
    assert.deepEqual(run.out, ['Suspended frank@example.com (1 session(s) signed out).']);
    const client = new Redis(redisUrl);
    try {
      const { events } = await createRedisStreamFeed({ client, clock: systemClock }).snapshot();
      // One `user` event for every session of the account (issue 10).
      assert.ok(events.some((event) => event.type === 'user' && event.sub === frank.userId));
    } finally {
      client.disconnect();
    }
  });
});
