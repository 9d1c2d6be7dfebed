import type { Row } from './rows.ts';

/**
 * One statement for a driver to run: SQL with `?` placeholders (the PostgreSQL driver numbers
 * them; no statement holds a literal `?`) and its values in order. `mode` says what comes back:
 * `rows` every row, `row` the first or undefined, `count` how many rows changed, `script` nothing
 * (several statements, no values: migrations).
 */
export interface SqlStep {
  mode: 'rows' | 'row' | 'count' | 'script';
  text: string;
  values: readonly unknown[];
}

/**
 * A store operation written once for both drivers: a generator that yields each statement and
 * receives its result. SQLite's driver answers synchronously, so a transaction runs start to end
 * with no await in it (nothing else can slip into it); PostgreSQL's awaits each round trip.
 */
export type SqlProgram<T> = Generator<SqlStep, T, unknown>;

export function* rows(text: string, ...values: unknown[]): SqlProgram<Row[]> {
  return (yield { mode: 'rows', text, values }) as Row[];
}

export function* row(text: string, ...values: unknown[]): SqlProgram<Row | undefined> {
  return (yield { mode: 'row', text, values }) as Row | undefined;
}

export function* count(text: string, ...values: unknown[]): SqlProgram<number> {
  return (yield { mode: 'count', text, values }) as number;
}

/** The first row mapped by `map`, or null: one generator, for the hot single-row reads. */
export function* rowAs<T>(map: (row: Row) => T, text: string, ...values: unknown[]): SqlProgram<T | null> {
  const found = (yield { mode: 'row', text, values }) as Row | undefined;
  return found === undefined ? null : map(found);
}

export function* rowsAs<T>(map: (row: Row) => T, text: string, ...values: unknown[]): SqlProgram<T[]> {
  return ((yield { mode: 'rows', text, values }) as Row[]).map(map);
}

/** Whether the statement changed any row. */
export function* changed(text: string, ...values: unknown[]): SqlProgram<boolean> {
  return (yield* count(text, ...values)) > 0;
}

/** Runs a statement for its effect only. */
export function* execute(text: string, ...values: unknown[]): SqlProgram<void> {
  yield* count(text, ...values);
}

export function* script(text: string): SqlProgram<void> {
  yield { mode: 'script', text, values: [] };
}

type Outcome = { failed: false; value: unknown } | { failed: true; error: unknown };

/** Hands a statement's result to the program, or throws its failure into it. */
function advance<T>(program: SqlProgram<T>, outcome: Outcome): IteratorResult<SqlStep, T> {
  return outcome.failed ? program.throw(outcome.error) : program.next(outcome.value);
}

/** Drives a program with a synchronous executor: no await anywhere between its first and last statement. */
export function runSync<T>(program: SqlProgram<T>, execute: (step: SqlStep) => unknown): T {
  let next = program.next();
  while (!next.done) {
    let value: unknown;
    try {
      value = execute(next.value);
    } catch (error) {
      next = program.throw(error);
      continue;
    }
    next = program.next(value);
  }
  return next.value;
}

/** Drives a program with an asynchronous executor, one statement at a time. */
export async function runAsync<T>(
  program: SqlProgram<T>,
  execute: (step: SqlStep) => Promise<unknown>,
): Promise<T> {
  let next = program.next();
  while (!next.done) {
    const outcome: Outcome = await execute(next.value).then(
      (value) => ({ failed: false, value }),
      (error: unknown) => ({ failed: true, error }),
    );
    next = advance(program, outcome);
  }
  return next.value;
}

/** `?, ?, …` for `count` values. */
export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}
