import type { Migration } from '../sql/migration.ts';
import { sqlMigrations } from '../sql/migrations.ts';
import { postgresDialect } from './dialect.ts';

/** The PostgreSQL schema history, oldest first: the shared list (sql/migrations.ts) in PostgreSQL's types. */
export const postgresMigrations: readonly Migration[] = sqlMigrations(postgresDialect);
