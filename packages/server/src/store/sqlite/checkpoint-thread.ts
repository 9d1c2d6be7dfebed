import { Worker } from 'node:worker_threads';
import type { SqliteSync } from './database.ts';

/** How often the thread copies the WAL back into the database file. */
export const CHECKPOINT_INTERVAL_MS = 1000;

/** WAL pages at which a commit on the event loop checkpoints itself, when the thread runs. */
export const WRITER_CHECKPOINT_PAGES = 10_000;

/**
 * The thread's code, evaluated (no file to resolve, as for the Argon2 threads): a connection of its
 * own to the file that runs `PRAGMA wal_checkpoint(PASSIVE)` every `intervalMs` when another
 * connection committed since (PASSIVE never waits for a lock and never blocks the writer), and
 * then starts the WAL over (below), which holds the write lock for one sync of the WAL's header.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
const db = new DatabaseSync(workerData.path);
// Opening may meet another connection's lock (its recovery of the WAL, say); PASSIVE never waits.
db.exec('PRAGMA busy_timeout = 5000');
db.exec('PRAGMA synchronous = ' + (workerData.sync === 'full' ? 'FULL' : 'NORMAL'));
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const dataVersion = db.prepare('PRAGMA data_version');
const userVersion = db.prepare('PRAGMA user_version');
let seen;
let complete = false;
const timer = setInterval(() => {
  try {
    // Nothing committed by another connection since the last complete checkpoint: nothing to copy.
    const version = dataVersion.get().data_version;
    if (complete && version === seen) return;
    seen = version;
    complete = false;
    // A commit during a checkpoint leaves its frames for the next pass (a short one).
    let result;
    for (let pass = 0; pass < 3 && !complete; pass++) {
      result = checkpoint.get();
      complete = result.busy === 0 && result.checkpointed === result.log;
    }
    const log = result.log;
    // All copied: the next write starts the WAL over and syncs its new header. Written here (the
    // same user_version back, read under the write lock), that sync is this thread's, not a
    // commit's on the event loop. Not after one frame alone (this thread's, or another process's
    // thread's): two processes' threads would otherwise wake each other for ever.
    if (complete && log > 1) {
      db.exec('BEGIN IMMEDIATE');
      try {
        db.exec('PRAGMA user_version = ' + Number(userVersion.get().user_version));
        db.exec('COMMIT');
      } catch (error) {
        if (db.isTransaction) db.exec('ROLLBACK');
        throw error;
      }
    }
  } catch {}
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface CheckpointThread {
  /** Stops the thread and closes its connection; resolves when the thread has exited. */
  close(): Promise<void>;
}

/**
 * Checkpoints the WAL of the database at `path` on a thread of its own. Left to the connection that
 * writes, SQLite checkpoints inside the commit that takes the WAL past 1,000 pages: on the event
 * loop, copying the pages and syncing the WAL and the database file (several ms; ~every 80 logins).
 * Checkpointed this often the WAL stays far below it, and the store moves the writer's automatic
 * checkpoint to `WRITER_CHECKPOINT_PAGES`, a fallback only. After a complete checkpoint the next
 * write starts the WAL over and SQLite syncs the new WAL header first (another ms or more, once per
 * checkpoint): the thread makes that write itself. Durability is unchanged: the same checkpoints
 * and syncs, on another thread. A commit that meets the thread's write lock waits (busy_timeout).
 */
export function startCheckpointThread(path: string, sync: SqliteSync): CheckpointThread {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { path, sync, intervalMs: CHECKPOINT_INTERVAL_MS },
  });
  // A thread that cannot open the file leaves checkpoints to the writer, as before.
  worker.on('error', () => {});
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async close() {
      // Referenced again, so the process waits for the thread to close its connection.
      worker.ref();
      worker.postMessage('close');
      await exited;
    },
  };
}
