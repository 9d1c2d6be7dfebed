import type { Migration } from '../lib/migration.ts';

/** The PostgreSQL schema history, oldest first. Append; never edit a migration that has shipped. */
export const postgresMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        -- Byte order, as in SQLite and memory: pages of the user list do not depend on the locale.
        email TEXT COLLATE "C" NOT NULL,
        password_hash TEXT NOT NULL,
        roles TEXT[] NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        password_changed_at BIGINT NOT NULL
      );
      CREATE UNIQUE INDEX users_email ON users (email);

      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        secret_hash TEXT NOT NULL,
        strategy TEXT NOT NULL CHECK (strategy IN ('session', 'hybrid', 'token')),
        created_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL,
        idle_expires_at BIGINT NOT NULL,
        absolute_expires_at BIGINT NOT NULL,
        user_agent TEXT,
        ip TEXT
      );
      CREATE INDEX sessions_user_id ON sessions (user_id, created_at);
      CREATE INDEX sessions_idle_expires_at ON sessions (idle_expires_at);
      CREATE INDEX sessions_absolute_expires_at ON sessions (absolute_expires_at);

      CREATE TABLE refresh_tokens (
        hash TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        created_at BIGINT NOT NULL,
        consumed_at BIGINT,
        successor_cipher TEXT
      );
      CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);

      CREATE TABLE signing_keys (
        kid TEXT PRIMARY KEY,
        alg TEXT NOT NULL,
        public_jwk TEXT NOT NULL,
        private_key_cipher TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'retired')),
        created_at BIGINT NOT NULL,
        retired_at BIGINT
      );
      -- The keyring signs with one key at a time; the schema refuses a second active one.
      CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (status) WHERE status = 'active';

      CREATE TABLE audit_events (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        at BIGINT NOT NULL,
        actor_id TEXT,
        subject_id TEXT,
        session_id TEXT,
        ip TEXT,
        user_agent TEXT,
        data JSONB NOT NULL
      );
      CREATE INDEX audit_events_at ON audit_events (at);
      CREATE INDEX audit_events_actor_id ON audit_events (actor_id, at);
      CREATE INDEX audit_events_subject_id ON audit_events (subject_id, at);
      CREATE INDEX audit_events_type ON audit_events (type, at);
    `,
  },
  {
    version: 2,
    name: 'password reset tokens, throttle counters',
    sql: `
      -- One row per user: the primary key makes a newer token replace the older one.
      CREATE TABLE reset_tokens (
        user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        hash TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      );
      CREATE INDEX reset_tokens_expires_at ON reset_tokens (expires_at);

      -- The counters of the PostgreSQL throttle backend (rate-limiter-flexible's layout: key,
      -- points, expire in ms), created here so that no request ever races its creation.
      CREATE TABLE throttle_counters (
        key TEXT PRIMARY KEY,
        points INTEGER NOT NULL DEFAULT 0,
        expire BIGINT
      );
      CREATE INDEX throttle_counters_expire ON throttle_counters (expire);
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
        before BIGINT,
        until BIGINT NOT NULL,
        PRIMARY KEY (kind, id)
      );
      CREATE INDEX revocations_until ON revocations (until);

      -- Which token a rotation made, so a replay can tell whether that successor was ever used.
      ALTER TABLE refresh_tokens ADD COLUMN successor_hash TEXT;
    `,
  },
];
