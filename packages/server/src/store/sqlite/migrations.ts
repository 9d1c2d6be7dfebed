import type { Migration } from '../sql/migration.ts';
import { sqlMigrations } from '../sql/migrations.ts';
import { sqliteDialect } from './dialect.ts';

/** The SQLite schema history, oldest first: the shared list (sql/migrations.ts) in SQLite's types. */
export const sqliteMigrations: readonly Migration[] = sqlMigrations(sqliteDialect);
