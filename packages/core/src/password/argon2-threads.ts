import { Worker } from 'node:worker_threads';
import {
  type Argon2Params,
  createArgon2HasherOn,
  defaultArgon2Params,
  type PasswordHasher,
} from './password-hasher.ts';

/**
 * The worker's code, evaluated (no file to resolve, so it runs the same from the sources, a bundle
 * or a test; `getBuiltinModule` works whether the eval is taken as a script or, under
 * `--input-type=module`, as a module). It lowers its own thread's scheduling priority first (Linux: nice
 * is per thread, and raising it needs no privilege), then, if asked, moves the thread to SCHED_IDLE
 * with util-linux `chrt` (Node has no sched_setscheduler; the child runs from this thread, never
 * the event loop's, once per worker): a thread at SCHED_IDLE is preempted by any normal task that
 * wakes on its CPU, and the scheduler counts its CPU as idle when it places a waking task. Then it
 * derives tags with `argon2Sync`, which blocks only this worker's thread. Where the thread id,
 * `setPriority` or `chrt` is unavailable it keeps what it could set (nice 19, else normal priority).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
const { argon2Sync } = process.getBuiltinModule('node:crypto');
const fs = process.getBuiltinModule('node:fs');
const os = process.getBuiltinModule('node:os');
const { execFileSync } = process.getBuiltinModule('node:child_process');
let tid = null;
let nice = null;
let policy = null;
try {
  tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
  if (workerData.nice !== 0) os.setPriority(tid, workerData.nice);
  nice = os.getPriority(tid);
  if (workerData.schedIdle) {
    for (const chrt of ['/usr/bin/chrt', '/bin/chrt']) {
      try {
        execFileSync(chrt, ['-i', '-p', '0', String(tid)], { stdio: 'ignore', timeout: 5000 });
        break;
      } catch {}
    }
  }
  // Field 41 of /proc/<tid>/stat, the scheduling policy: 0 SCHED_OTHER, 5 SCHED_IDLE.
  const stat = fs.readFileSync('/proc/thread-self/stat', 'utf8');
  const code = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[41 - 3]);
  policy = code === 5 ? 'idle' : code === 0 ? 'other' : String(code);
} catch {}
parentPort.postMessage({ ready: true, tid, nice, policy });
parentPort.on('message', (job) => {
  try {
    const tag = argon2Sync('argon2id', {
      message: Buffer.from(job.password, 'utf8'),
      nonce: Buffer.from(job.salt),
      parallelism: job.params.parallelism,
      tagLength: job.tagLength,
      memory: job.params.memoryKiB,
      passes: job.params.passes,
    });
    parentPort.postMessage({ id: job.id, tag });
  } catch (error) {
    parentPort.postMessage({ id: job.id, error: String(error && error.message || error) });
  }
});
`;

export interface Argon2ThreadsOptions {
  /** Worker threads, i.e. hashes computed at once. Default 1. */
  threads?: number;
  /** Nice value each worker sets on its own thread (Linux; 0 leaves it). Default 19, the lowest priority. */
  nice?: number;
  /**
   * Also move each worker's thread to SCHED_IDLE (Linux, with util-linux `chrt` at /usr/bin or
   * /bin; without it the thread keeps its nice value). Default: when `nice` is 19.
   */
  schedIdle?: boolean;
}

/** Where one worker thread runs: its OS thread id, nice value and policy (null where unavailable). */
export interface Argon2ThreadInfo {
  tid: number | null;
  nice: number | null;
  /** Linux scheduling policy: 'idle' (SCHED_IDLE), 'other' (SCHED_OTHER, the default). */
  policy: string | null;
}

interface Job {
  id: number;
  password: string;
  salt: Uint8Array;
  params: Argon2Params;
  tagLength: number;
  resolve: (tag: Buffer) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: Promise<Argon2ThreadInfo>;
  job: Job | undefined;
}

interface Argon2Threads {
  /** Derives one Argon2id tag on a worker thread (queued while all are busy). */
  derive(password: string, salt: Buffer, params: Argon2Params, tagLength: number): Promise<Buffer>;
  /** Starts the workers if need be and tells where each runs (for tests and diagnostics). */
  threads(): Promise<Argon2ThreadInfo[]>;
  /** Ends the workers; queued and running derivations are rejected. Later calls start new ones. */
  close(): Promise<void>;
}

/**
 * A small pool of worker threads computing Argon2id at low OS priority. Workers start at the
 * first derivation and are unreferenced while idle, so they never keep the process alive.
 */
function createArgon2Threads(options: Argon2ThreadsOptions = {}): Argon2Threads {
  const size = options.threads ?? 1;
  const nice = options.nice ?? 19;
  const schedIdle = options.schedIdle ?? nice === 19;
  if (!Number.isInteger(size) || size < 1) throw new TypeError('threads must be ≥ 1');
  if (!Number.isInteger(nice) || nice < 0 || nice > 19) throw new TypeError('nice must be 0–19');
  let slots: Slot[] = [];
  const queue: Job[] = [];
  let nextId = 1;

  function fail(slot: Slot, error: Error): void {
    slots = slots.filter((s) => s !== slot);
    slot.job?.reject(error);
    slot.job = undefined;
    // A worker that died is replaced on demand; the queue moves on with the others or a new one.
    dispatch();
  }

  function spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { nice, schedIdle } });
    worker.unref();
    const ready = new Promise<Argon2ThreadInfo>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (info: Argon2ThreadInfo & { ready: true }) => {
        // Unreferenced again once started: an unref() before the thread is up does not hold.
        if (!slot.job) worker.unref();
        resolve({ tid: info.tid, nice: info.nice, policy: info.policy });
      });
    });
    ready.catch(() => {});
    const slot: Slot = { worker, job: undefined, ready };
    worker.on('message', (message: { id?: number; tag?: Uint8Array; error?: string }) => {
      const job = slot.job;
      if (message.id === undefined || !job || job.id !== message.id) return;
      slot.job = undefined;
      worker.unref();
      if (message.tag) job.resolve(Buffer.from(message.tag));
      else job.reject(new Error(`argon2: ${message.error}`));
      dispatch();
    });
    worker.on('error', (error) => fail(slot, error));
    worker.on('exit', (code) => fail(slot, new Error(`argon2 worker exited (${code})`)));
    return slot;
  }

  function dispatch(): void {
    while (queue.length > 0) {
      let slot = slots.find((s) => !s.job);
      if (!slot && slots.length < size) {
        slot = spawn();
        slots.push(slot);
      }
      if (!slot) return;
      const job = queue.shift()!;
      slot.job = job;
      // Referenced while it works: a pending hash keeps the process alive, an idle pool does not.
      slot.worker.ref();
      const { password, salt, params, tagLength, id } = job;
      // postMessage copies a view's whole ArrayBuffer: a salt decoded from a PHC string is a slice
      // of Buffer's shared pool (64 KiB in Node 24), copied on the event loop at every verify.
      // Its 16 bytes alone cross.
      slot.worker.postMessage({ id, password, salt: new Uint8Array(salt), params, tagLength });
    }
  }

  return {
    derive(password, salt, params, tagLength) {
      return new Promise((resolve, reject) => {
        queue.push({ id: nextId++, password, salt, params, tagLength, resolve, reject });
        dispatch();
      });
    },
    async threads() {
      while (slots.length < size) slots.push(spawn());
      return Promise.all(slots.map((slot) => slot.ready));
    },
    async close() {
      const closing = slots;
      slots = [];
      for (const job of queue.splice(0)) job.reject(new Error('argon2 threads closed'));
      await Promise.all(closing.map((slot) => slot.worker.terminate()));
    },
  };
}

/** A password hasher on worker threads; `close` ends them (on server shutdown). */
export interface ThreadedPasswordHasher extends PasswordHasher {
  threads(): Promise<Argon2ThreadInfo[]>;
  close(): Promise<void>;
}

/**
 * `createArgon2Hasher` with the tags computed on `threads` worker threads at the lowest OS priority
 * (Linux: nice 19, and SCHED_IDLE where util-linux `chrt` is installed): the event loop's thread
 * preempts hashing, so a login flood slows logins more than the other routes. Same PHC strings: hashes made by either hasher verify with the
 * other. Pair it with `limitHasher` (concurrency = threads) to bound what waits.
 *
 * @example
 * const hasher = createThreadedArgon2Hasher(defaultArgon2Params, { threads: 1 });
 * createAuth({ store, hasher: limitHasher(hasher, { concurrency: 1 }) });
 * // on shutdown: await hasher.close();
 */
export function createThreadedArgon2Hasher(
  params: Argon2Params = defaultArgon2Params,
  options: Argon2ThreadsOptions = {},
): ThreadedPasswordHasher {
  const pool = createArgon2Threads(options);
  const hasher = createArgon2HasherOn(pool.derive, params);
  return { ...hasher, threads: pool.threads, close: pool.close };
}
