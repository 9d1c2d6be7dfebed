import { Worker } from 'node:worker_threads';
import type { SqliteSync } from './database.ts';

/** How often the thread copies the WAL back into the database file. */
export const CHECKPOINT_INTERVAL_MS = 1000;

/**
 * The thread's code, evaluated (no file to resolve, as for the Argon2 threads): a connection of its
 * own to the file that runs `PRAGMA wal_checkpoint(PASSIVE)` every `intervalMs`. PASSIVE never
 * waits for a lock and never blocks the writer; a checkpoint with nothing new to copy does no I/O.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
const db = new DatabaseSync(workerData.path);
// Opening may meet another connection's lock (its recovery of the WAL, say); PASSIVE never waits.
db.exec('PRAGMA busy_timeout = 5000');
db.exec('PRAGMA synchronous = ' + (workerData.sync === 'full' ? 'FULL' : 'NORMAL'));
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => {
  try {
    checkpoint.get();
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
 * Checkpointed this often, the WAL never reaches that size, so the writer's own automatic
 * checkpoint stays only as the fallback (a checkpoint that cannot finish, a burst of writes).
 * Durability is unchanged: the same checkpoints with the same syncs, on another thread.
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
