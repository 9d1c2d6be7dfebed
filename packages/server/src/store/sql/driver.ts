import type { SqlProgram } from './program.ts';

/**
 * The narrow seam between the SQL written once in this folder and a database client (the shape of
 * Lucia's `Controller` or Kysely's driver): run a program, or run it in one transaction that holds
 * the write locks it needs, and the dialect's few differences.
 */
export interface SqlDriver {
  readonly dialect: SqlDialect;
  /** Runs `program` outside a transaction: each statement commits by itself. */
  run<T>(program: SqlProgram<T>): Promise<T>;
  /** Runs `program` in one transaction, rolled back if it throws. */
  transaction<T>(program: SqlProgram<T>): Promise<T>;
}

/** What differs between SQLite and PostgreSQL in the statements the stores run. */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /**
   * Appended to a SELECT whose rows of `tables` (aliases, in the order to lock them) the
   * transaction goes on to write: PostgreSQL locks them (`FOR UPDATE OF`); SQLite has no row
   * locks, and its transactions take the database's write lock up front.
   */
  lockRows(tables: string): string;
  /** A statement that admits readers but one writer of `table` until commit, or null if a transaction already does. */
  lockTable(table: string): string | null;
  /** `haystack` contains `needle` literally (no LIKE wildcards): `instr` in SQLite, `strpos` in PostgreSQL. */
  contains(haystack: string, needle: string): string;
  /** A list of strings as a parameter and back: JSON text in SQLite, `TEXT[]` in PostgreSQL. */
  encodeTextList(values: string[]): unknown;
  decodeTextList(value: unknown): string[];
  /** A JSON column as read: text in SQLite, already parsed (JSONB) in PostgreSQL. */
  decodeJson(value: unknown): Record<string, unknown>;
  readonly schema: SchemaDialect;
}

/** The type names and table options that differ in the migrations (sql/migrations.ts). */
export interface SchemaDialect {
  /** Millisecond timestamps and counters: `INTEGER` (64-bit in SQLite) or `BIGINT`. */
  readonly int64: string;
  /** After a CREATE TABLE's closing parenthesis: ` STRICT` (SQLite checks column types) or nothing. */
  readonly tableOptions: string;
  /** Column type of a list of strings. */
  textList(column: string): string;
  /** Column type of a JSON object. */
  json(column: string): string;
  /**
   * A unique text column sorted in byte order (pages of a list must not depend on the locale):
   * its type and constraint, and the statement that makes it unique if not the constraint.
   */
  uniqueByteOrderText(table: string, column: string): { column: string; index: string };
}
