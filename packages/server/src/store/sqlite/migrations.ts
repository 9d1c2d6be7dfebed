import type { Migration } from '../lib/migration.ts';

/** The SQLite schema history, oldest first. Append; never edit a migration that has shipped. */
export const sqliteMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        roles TEXT NOT NULL CHECK (json_valid(roles)),
        status TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        password_changed_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        secret_hash TEXT NOT NULL,
        strategy TEXT NOT NULL CHECK (strategy IN ('session', 'hybrid', 'token')),
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        idle_expires_at INTEGER NOT NULL,
        absolute_expires_at INTEGER NOT NULL,
        user_agent TEXT,
        ip TEXT
      ) STRICT;
      CREATE INDEX sessions_user_id ON sessions (user_id, created_at);
      CREATE INDEX sessions_idle_expires_at ON sessions (idle_expires_at);
      CREATE INDEX sessions_absolute_expires_at ON sessions (absolute_expires_at);

      CREATE TABLE refresh_tokens (
        hash TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        consumed_at INTEGER,
        successor_cipher TEXT
      ) STRICT;
      CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);

      CREATE TABLE signing_keys (
        kid TEXT PRIMARY KEY,
        alg TEXT NOT NULL,
        public_jwk TEXT NOT NULL,
        private_key_cipher TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'retired')),
        created_at INTEGER NOT NULL,
        retired_at INTEGER
      ) STRICT;
      -- The keyring signs with one key at a time; the schema refuses a second active one.
      CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (status) WHERE status = 'active';

      CREATE TABLE audit_events (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        at INTEGER NOT NULL,
        actor_id TEXT,
        subject_id TEXT,
        session_id TEXT,
        ip TEXT,
        user_agent TEXT,
        data TEXT NOT NULL CHECK (json_valid(data))
      ) STRICT;
      CREATE INDEX audit_events_at ON audit_events (at);
      CREATE INDEX audit_events_actor_id ON audit_events (actor_id, at);
      CREATE INDEX audit_events_subject_id ON audit_events (subject_id, at);
      CREATE INDEX audit_events_type ON audit_events (type, at);
    `,
  },
  {
    version: 2,
    name: 'password reset tokens',
    sql: `
      -- One row per user: the primary key makes a newer token replace the older one.
      CREATE TABLE reset_tokens (
        user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX reset_tokens_expires_at ON reset_tokens (expires_at);
    `,
  },
  {
    version: 3,
    name: 'durable revocations, refresh successors',
    sql: `
      -- Every live revocation, so a feed that lost its data can be seeded again (docs/design.md §5).
      CREATE TABLE revocations (
        kind TEXT NOT NULL CHECK (kind IN ('session', 'user', 'token', 'key')),
        id TEXT NOT NULL,
        sub TEXT,
        before INTEGER,
        until INTEGER NOT NULL,
        PRIMARY KEY (kind, id)
      ) STRICT;
      CREATE INDEX revocations_until ON revocations (until);

      -- Which token a rotation made, so a replay can tell whether that successor was ever used.
      ALTER TABLE refresh_tokens ADD COLUMN successor_hash TEXT;
    `,
  },
];
