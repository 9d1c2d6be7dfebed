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
];
