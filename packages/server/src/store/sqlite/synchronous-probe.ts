// Test helper: records `PRAGMA synchronous` (1 = NORMAL, 2 = FULL) of every connection in this
// thread at the moment it begins a transaction, which both opening a store (migrations) and every
// write do. It reads the live connection, so it shows what the code set, not what it meant to set.
import { DatabaseSync } from 'node:sqlite';

export interface SynchronousProbe {
  /** One entry per `BEGIN…` seen, in order. */
  readonly seen: number[];
  restore(): void;
}

export function probeSynchronous(): SynchronousProbe {
  const original = DatabaseSync.prototype.exec;
  const seen: number[] = [];
  DatabaseSync.prototype.exec = function exec(this: DatabaseSync, sql: string) {
    if (/^\s*BEGIN/i.test(sql)) seen.push(this.prepare('PRAGMA synchronous').get()?.synchronous as number);
    return original.call(this, sql);
  };
  return {
    seen,
    restore() {
      DatabaseSync.prototype.exec = original;
    },
  };
}
