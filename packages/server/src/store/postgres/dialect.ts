import type { SqlDialect } from '../sql/driver.ts';

/** PostgreSQL's side of the SQL the stores share (sql/driver.ts). */
export const postgresDialect: SqlDialect = {
  name: 'postgres',
  // Locked in the order named: sessions before their tokens, as a cascade from a session takes them.
  lockRows: (tables) => ` FOR UPDATE OF ${tables}`,
  // Row locks are not enough for a key rotation: a second one would find the old key already
  // retired, skip it, and insert a second active key. This mode admits readers but one writer.
  lockTable: (table) => `LOCK TABLE ${table} IN SHARE ROW EXCLUSIVE MODE`,
  contains: (haystack, needle) => `strpos(${haystack}, ${needle}) > 0`,
  // pg writes a JS array as TEXT[] and reads it back as one.
  encodeTextList: (values) => values,
  decodeTextList: (value) => value as string[],
  // JSONB arrives parsed.
  decodeJson: (value) => value as Record<string, unknown>,
  schema: {
    int64: 'BIGINT',
    tableOptions: '',
    textList: () => 'TEXT[] NOT NULL',
    json: () => 'JSONB NOT NULL',
    uniqueByteOrderText: (table, column) => ({
      column: 'TEXT COLLATE "C" NOT NULL',
      index: `\n    CREATE UNIQUE INDEX ${table}_${column} ON ${table} (${column});`,
    }),
  },
};
