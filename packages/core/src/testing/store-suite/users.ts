import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CurrentStore,
  T0,
  SECOND,
  HOUR,
  makeUser,
  makeRotation,
  seedUser,
  seedSession,
  seedToken,
  assertTokensGone,
} from './fixtures.ts';

export function describeUsers(current: CurrentStore) {
  describe('users', () => {
    userRecordCases(current);
    userDeletionCases(current);
    userListingCases(current);
  });
}

/** Create, read and patch one user; emails are unique. */
function userRecordCases(current: CurrentStore) {
  it('creates a user and reads it back by id and by email', async () => {
    const store = current();
    const user = makeUser({ roles: ['admin', 'support'], status: 'suspended', passwordChangedAt: T0 + 5 });
    assert.equal(await store.users.create(user), true);
    assert.deepEqual(await store.users.getById(user.id), user);
    assert.deepEqual(await store.users.getByEmail(user.email), user);
    assert.equal(await store.users.getById('no-such-user'), null);
    assert.equal(await store.users.getByEmail('nobody@example.com'), null);
  });

  it('refuses a taken email and changes nothing', async () => {
    const store = current();
    const first = await seedUser(store, { roles: ['admin'] });
    const second = makeUser({ email: first.email, roles: ['other'], createdAt: T0 + 1 });
    assert.equal(await store.users.create(second), false);
    assert.equal(await store.users.getById(second.id), null);
    assert.deepEqual(await store.users.getByEmail(first.email), first);
    assert.deepEqual(await store.users.list({ limit: 10, offset: 0 }), [first]);
  });

  it('hands out copies, not live references', async () => {
    const store = current();
    const user = await seedUser(store, { roles: ['reader'] });
    const read = await store.users.getById(user.id);
    read!.roles.push('admin');
    assert.deepEqual((await store.users.getById(user.id))!.roles, ['reader']);
  });

  it('applies a patch, leaves other fields alone and returns the updated record', async () => {
    const store = current();
    const user = await seedUser(store, { roles: ['reader'] });
    const patch = {
      passwordHash: '$argon2id$new',
      roles: ['reader', 'admin'],
      status: 'suspended' as const,
      updatedAt: T0 + HOUR,
      passwordChangedAt: T0 + HOUR,
    };
    const expected = { ...user, ...patch };
    assert.deepEqual(await store.users.update(user.id, patch), expected);
    assert.deepEqual(await store.users.getById(user.id), expected);
  });

  it('treats absent and undefined patch fields as unchanged', async () => {
    const store = current();
    const user = await seedUser(store, { roles: ['reader'] });
    const updated = await store.users.update(user.id, { roles: undefined, updatedAt: T0 + 1 });
    assert.deepEqual(updated, { ...user, updatedAt: T0 + 1 });
    assert.deepEqual(await store.users.update(user.id, {}), { ...user, updatedAt: T0 + 1 });
  });

  it('update returns null for an unknown user', async () => {
    const store = current();
    assert.equal(await store.users.update('no-such-user', { status: 'suspended' }), null);
  });
}

/** Deleting a user takes their sessions and refresh tokens along. */
function userDeletionCases(current: CurrentStore) {
  it('delete removes the user with their sessions and refresh tokens, and only theirs', async () => {
    const store = current();
    const user = await seedUser(store);
    const other = await seedUser(store);
    const sessions = [await seedSession(store, user.id), await seedSession(store, user.id)];
    const hashes = [await seedToken(store, sessions[0]!.id), await seedToken(store, sessions[1]!.id)];
    const otherSession = await seedSession(store, other.id);
    const otherHash = await seedToken(store, otherSession.id);

    assert.equal(await store.users.delete(user.id), true);
    assert.equal(await store.users.getById(user.id), null);
    assert.equal(await store.users.getByEmail(user.email), null);
    for (const session of sessions) assert.equal(await store.sessions.get(session.id), null);
    assert.equal(await store.users.delete(user.id), false);

    assert.deepEqual(await store.users.getById(other.id), other);
    assert.deepEqual(await store.sessions.get(otherSession.id), otherSession);
    const rotated = await store.refreshTokens.rotate(makeRotation(otherHash, T0 + SECOND));
    assert.equal(rotated.outcome, 'rotated');

    assert.equal(await store.users.create(user), true);
    for (const session of sessions) await assertTokensGone(store, session, hashes);
  });
}

/** Listing and counting by email. */
function userListingCases(current: CurrentStore) {
  it('lists by email in code-point order, with limit and offset', async () => {
    const store = current();
    const emails = [
      'ab@example.com',
      'a_b@example.com',
      'zed@example.com',
      'a.b@example.com',
      'b@example.com',
    ];
    for (const email of emails) await seedUser(store, { email });
    const all = await store.users.list({ limit: 100, offset: 0 });
    assert.deepEqual(
      all.map((user) => user.email),
      ['a.b@example.com', 'a_b@example.com', 'ab@example.com', 'b@example.com', 'zed@example.com'],
    );
    const page = await store.users.list({ limit: 2, offset: 1 });
    assert.deepEqual(page, all.slice(1, 3));
    assert.deepEqual(await store.users.list({ limit: 10, offset: 5 }), []);
    assert.deepEqual(await store.users.list({ limit: 0, offset: 0 }), []);
    assert.equal(await store.users.count({}), 5);
    await store.users.delete(all[0]!.id);
    assert.equal(await store.users.count({}), 4, 'a deleted user is not counted');
  });

  it('filters by a case-insensitive, literal substring of the email', async () => {
    const store = current();
    for (const email of [
      'alice@example.com',
      'malice@example.org',
      'bob@example.com',
      'a_b@x.io',
      'axb@x.io',
    ]) {
      await seedUser(store, { email });
    }
    const emails = async (query: string, limit = 10, offset = 0) =>
      (await store.users.list({ query, limit, offset })).map((user) => user.email);
    assert.deepEqual(await emails('ALICE'), ['alice@example.com', 'malice@example.org']);
    assert.deepEqual(await emails('alice', 1, 1), ['malice@example.org']);
    assert.deepEqual(await emails('.com'), ['alice@example.com', 'bob@example.com']);
    assert.deepEqual(await emails('_'), ['a_b@x.io']);
    assert.deepEqual(await emails('%'), []);
    assert.deepEqual(await emails('nobody'), []);
    assert.equal((await emails('')).length, 5);
    for (const [query, expected] of [
      ['ALICE', 2],
      ['.com', 2],
      ['_', 1],
      ['%', 0],
      ['', 5],
    ] as const)
      assert.equal(await store.users.count({ query }), expected, `count of "${query}"`);
  });
}
