import type { SqlDialect } from '../sql/driver.ts';

/** SQLite's side of the SQL the stores share (sql/driver.ts). */
export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  // Every transaction is BEGIN IMMEDIATE: it holds the database's write lock from its first statement.
  lockRows: () => '',
  lockTable: () => null,
  contains: (haystack, needle) => `instr(${haystack}, ${needle}) > 0`,
  encodeTextList: (values) => JSON.stringify(values),
  decodeTextList: (value) => JSON.parse(value as string),
  decodeJson: (value) => JSON.parse(value as string),
  schema: {
    int64: 'INTEGER',
    tableOptions: ' STRICT',
    textList: (column) => `TEXT NOT NULL CHECK (json_valid(${column}))`,
    json: (column) => `TEXT NOT NULL CHECK (json_valid(${column}))`,
    // SQLite compares TEXT byte by byte unless told otherwise.
    uniqueByteOrderText: () => ({ column: 'TEXT NOT NULL UNIQUE', index: '' }),
  },
};
