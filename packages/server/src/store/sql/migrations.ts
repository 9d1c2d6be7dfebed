import type { Migration } from './migration.ts';
import type { SqlDialect } from './driver.ts';

/**
 * The schema history of both SQL backends, oldest first, with the dialect's type names filled in.
 * Append; never edit a migration that has shipped: versions and resulting schemas match databases
 * created before the backends shared this list (sql/schema-compat.test.ts holds them to it).
 */
export function sqlMigrations(dialect: SqlDialect): readonly Migration[] {
  return [
    { version: 1, name: 'initial schema', sql: initialSchema(dialect) },
    {
      version: 2,
      name:
        dialect.name === 'postgres' ? 'password reset tokens, throttle counters' : 'password reset tokens',
      sql: resetTokens(dialect) + (dialect.name === 'postgres' ? THROTTLE_COUNTERS : ''),
    },
    { version: 3, name: 'durable revocations, refresh successors', sql: revocations(dialect) },
    { version: 4, name: 'revocation outbox', sql: revocationOutbox(dialect) },
  ];
}

function initialSchema({ schema: s }: SqlDialect): string {
  const email = s.uniqueByteOrderText('users', 'email');
  return `
    -- Emails sort in byte order, as in memory: pages of the user list do not depend on the locale.
    CREATE TABLE users (
      id TEXT PRIMARY KEY,
      email ${email.column},
      password_hash TEXT NOT NULL,
      roles ${s.textList('roles')},
      status TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
      created_at ${s.int64} NOT NULL,
      updated_at ${s.int64} NOT NULL,
      password_changed_at ${s.int64} NOT NULL
    )${s.tableOptions};${email.index}

    CREATE TABLE sessions (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      secret_hash TEXT NOT NULL,
      strategy TEXT NOT NULL CHECK (strategy IN ('session', 'hybrid', 'token')),
      created_at ${s.int64} NOT NULL,
      last_seen_at ${s.int64} NOT NULL,
      idle_expires_at ${s.int64} NOT NULL,
      absolute_expires_at ${s.int64} NOT NULL,
      user_agent TEXT,
      ip TEXT
    )${s.tableOptions};
    CREATE INDEX sessions_user_id ON sessions (user_id, created_at);
    CREATE INDEX sessions_idle_expires_at ON sessions (idle_expires_at);
    CREATE INDEX sessions_absolute_expires_at ON sessions (absolute_expires_at);

    CREATE TABLE refresh_tokens (
      hash TEXT PRIMARY KEY,
      session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
      created_at ${s.int64} NOT NULL,
      consumed_at ${s.int64},
      successor_cipher TEXT
    )${s.tableOptions};
    CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);

    CREATE TABLE signing_keys (
      kid TEXT PRIMARY KEY,
      alg TEXT NOT NULL,
      public_jwk TEXT NOT NULL,
      private_key_cipher TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('active', 'retired')),
      created_at ${s.int64} NOT NULL,
      retired_at ${s.int64}
    )${s.tableOptions};
    -- The keyring signs with one key at a time; the schema refuses a second active one.
    CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (status) WHERE status = 'active';

    CREATE TABLE audit_events (
      id TEXT PRIMARY KEY,
      type TEXT NOT NULL,
      at ${s.int64} NOT NULL,
      actor_id TEXT,
      subject_id TEXT,
      session_id TEXT,
      ip TEXT,
      user_agent TEXT,
      data ${s.json('data')}
    )${s.tableOptions};
    CREATE INDEX audit_events_at ON audit_events (at);
    CREATE INDEX audit_events_actor_id ON audit_events (actor_id, at);
    CREATE INDEX audit_events_subject_id ON audit_events (subject_id, at);
    CREATE INDEX audit_events_type ON audit_events (type, at);
  `;
}

function resetTokens({ schema: s }: SqlDialect): string {
  return `
    -- One row per user: the primary key makes a newer token replace the older one.
    CREATE TABLE reset_tokens (
      user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      hash TEXT NOT NULL UNIQUE,
      created_at ${s.int64} NOT NULL,
      expires_at ${s.int64} NOT NULL
    )${s.tableOptions};
    CREATE INDEX reset_tokens_expires_at ON reset_tokens (expires_at);
  `;
}

/**
 * PostgreSQL only: the counters of its throttle backend (rate-limiter-flexible's layout: key,
 * points, expire in ms), created here so that no request ever races its creation.
 */
const THROTTLE_COUNTERS = `
    CREATE TABLE throttle_counters (
      key TEXT PRIMARY KEY,
      points INTEGER NOT NULL DEFAULT 0,
      expire BIGINT
    );
    CREATE INDEX throttle_counters_expire ON throttle_counters (expire);
  `;

function revocations({ schema: s }: SqlDialect): string {
  return `
    -- Every live revocation, so a feed that lost its data can be seeded again (docs/design.md §5).
    CREATE TABLE revocations (
      kind TEXT NOT NULL CHECK (kind IN ('session', 'user', 'token', 'key')),
      id TEXT NOT NULL,
      sub TEXT,
      before ${s.int64},
      until ${s.int64} NOT NULL,
      PRIMARY KEY (kind, id)
    )${s.tableOptions};
    CREATE INDEX revocations_until ON revocations (until);

    -- Which token a rotation made, so a replay can tell whether that successor was ever used.
    ALTER TABLE refresh_tokens ADD COLUMN successor_hash TEXT;
  `;
}

function revocationOutbox({ schema: s }: SqlDialect): string {
  return `
    -- Set while the feed may not carry the row yet (docs/design.md §5): a live server publishes
    -- rows pending longer than a grace, which a server that died before publishing left behind.
    ALTER TABLE revocations ADD COLUMN pending_since ${s.int64};
    CREATE INDEX revocations_pending ON revocations (pending_since) WHERE pending_since IS NOT NULL;
  `;
}
