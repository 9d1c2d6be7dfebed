import type { SqliteSync } from './database.ts';

/** What the thread is started with. */
export interface StoreThreadData {
  path: string;
  sync?: SqliteSync;
}

/** A store call: `[id, sub-store ('' for the store itself), method, arguments]`, or the end. */
export type StoreThreadCall = [id: number, subStore: string, method: string, args: unknown[]] | 'close';

/** The methods of the store and of each sub-store, as the thread found them. */
export type StoreShape = { methods: string[]; subStores: Record<string, string[]> };

export type StoreThreadReply =
  | { kind: 'ready'; shape: StoreShape }
  | { kind: 'failed'; error: ErrorShape }
  | [id: number, ok: true, value: unknown]
  | [id: number, ok: false, error: ErrorShape];

/**
 * What crosses the thread boundary of an error: the fields the server reads from store errors
 * (`isUnavailableError` looks at `code`, `name` and `message`; node:sqlite adds `errcode` and
 * `errstr`). A structured clone of an Error keeps only its message and standard name.
 */
export interface ErrorShape {
  name: string;
  message: string;
  code?: unknown;
  errcode?: unknown;
  errstr?: unknown;
}

export function toErrorShape(error: unknown): ErrorShape {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { code, errcode, errstr } = error as Error & Partial<Record<'code' | 'errcode' | 'errstr', unknown>>;
  return { name: error.name, message: error.message, code, errcode, errstr };
}

/** The error again, on the calling thread: an Error with the same name, message and codes. */
export function fromErrorShape(shape: ErrorShape): Error {
  const error = new Error(shape.message);
  error.name = shape.name;
  for (const key of ['code', 'errcode', 'errstr'] as const) {
    if (shape[key] !== undefined) Object.defineProperty(error, key, { value: shape[key], enumerable: true });
  }
  return error;
}

const isFunction = (value: unknown) => typeof value === 'function';

/**
 * The function-valued properties of `store` and of each of its object-valued properties (the SQL
 * sub-stores are object literals: their methods are their own properties).
 */
export function storeShape(store: Record<string, unknown>): StoreShape {
  const shape: StoreShape = { methods: [], subStores: {} };
  for (const [name, value] of Object.entries(store)) {
    if (isFunction(value)) shape.methods.push(name);
    else if (value !== null && typeof value === 'object') {
      shape.subStores[name] = Object.keys(value).filter((key) =>
        isFunction((value as Record<string, unknown>)[key]),
      );
    }
  }
  return shape;
}
