import { Worker } from 'node:worker_threads';
import { WORKER_SOURCE } from './argon2-worker-source.ts';
import type { Argon2Params } from './password-hasher.ts';

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
  /**
   * A hash still unfinished this long after it was asked for is also started on a rescue thread
   * at `rescueNice`, and the first result answers. A thread at SCHED_IDLE or nice 19 gets almost
   * no CPU while every core is busy with other work: there a login would take seconds (up to 11 s
   * with one busy process per core at nice 0, 24–30 s with two, on a 2-vCPU VM), however idle the
   * server. Default 500; 0 turns rescue off. Only where the threads run below `rescueNice`'s
   * priority (a higher nice, or SCHED_IDLE).
   */
  rescueAfterMs?: number;
  /**
   * Nice value of the rescue threads (Linux): started on demand, at most `threads` of them, each
   * raising its own nice from the event loop's (no privilege needed; lowering it back would need
   * one). Default 10: about a tenth of a core beside each busy process at nice 0.
   */
  rescueNice?: number;
  /** Called each time a hash is started on a rescue thread (a metric: the host had no idle CPU). */
  onRescue?: () => void;
}

/** Where one worker thread runs: its OS thread id, nice value and policy (null where unavailable). */
export interface Argon2ThreadInfo {
  tid: number | null;
  nice: number | null;
  /** Linux scheduling policy: 'idle' (SCHED_IDLE), 'other' (SCHED_OTHER, the default). */
  policy: string | null;
  /** 'primary': hashes first; 'rescue': takes over a hash its primary thread is starved on. */
  role: 'primary' | 'rescue';
}

type ThreadRole = Argon2ThreadInfo['role'];

interface Job {
  id: number;
  password: string;
  salt: Uint8Array;
  params: Argon2Params;
  tagLength: number;
  resolve: (tag: Buffer) => void;
  reject: (error: Error) => void;
  /** Threads computing it now (a primary and a rescue thread, at most). */
  running: number;
  /** Answered: a later result for it is dropped. */
  settled: boolean;
  /** Started on a rescue thread (never twice). */
  rescued: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface Slot {
  worker: Worker;
  role: ThreadRole;
  ready: Promise<Argon2ThreadInfo>;
  job: Job | undefined;
}

export interface Argon2Threads {
  /** Derives one Argon2id tag on a worker thread (queued while all are busy). */
  derive(password: string, salt: Buffer, params: Argon2Params, tagLength: number): Promise<Buffer>;
  /** Starts the primary workers if need be and tells where each thread runs, rescue threads too. */
  threads(): Promise<Argon2ThreadInfo[]>;
  /** Ends the workers; queued and running derivations are rejected. Later calls start new ones. */
  close(): Promise<void>;
}

function checkOptions(options: Argon2ThreadsOptions) {
  const size = options.threads ?? 1;
  const nice = options.nice ?? 19;
  const schedIdle = options.schedIdle ?? nice === 19;
  const rescueNice = options.rescueNice ?? 10;
  const rescueAfterMs = options.rescueAfterMs ?? 500;
  if (!Number.isInteger(size) || size < 1) throw new TypeError('threads must be ≥ 1');
  for (const [name, value] of [
    ['nice', nice],
    ['rescueNice', rescueNice],
  ] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 19) throw new TypeError(`${name} must be 0–19`);
  }
  if (!(rescueAfterMs >= 0) || !Number.isFinite(rescueAfterMs))
    throw new TypeError('rescueAfterMs must be ≥ 0');
  // Rescue only where it runs at a higher priority than the thread it takes over from.
  const rescues = rescueAfterMs > 0 && (schedIdle || nice > rescueNice);
  return { size, nice, schedIdle, rescueNice, rescueAfterMs, rescues };
}

/**
 * A small pool of worker threads computing Argon2id at low OS priority. Workers start at the
 * first derivation and are unreferenced while idle, so they never keep the process alive. A hash
 * its primary thread has not finished after `rescueAfterMs` (starved: the host has no idle CPU) is
 * started again on a rescue thread at `rescueNice`; Argon2 being deterministic, whichever finishes
 * first answers, and the other's result is dropped when it comes.
 */
export function createArgon2Threads(options: Argon2ThreadsOptions = {}): Argon2Threads {
  const pool = new Argon2Pool(checkOptions(options), options.onRescue);
  return {
    derive: (password, salt, params, tagLength) => pool.derive(password, salt, params, tagLength),
    threads: () => pool.threads(),
    close: () => pool.close(),
  };
}

class Argon2Pool {
  private slots: Slot[] = [];
  /** Waiting for a primary thread. */
  private queue: Job[] = [];
  /** Due for rescue: unanswered after `rescueAfterMs`, not yet on a rescue thread. */
  private due: Job[] = [];
  private nextId = 1;
  /**
   * A primary thread runs at SCHED_IDLE or above `rescueNice`, as it reported once started: only
   * such a thread can starve while a rescue thread would not (elsewhere, where a thread's priority
   * cannot be set, a rescue would only hash twice at the same priority).
   */
  private starvable = false;

  private readonly options: ReturnType<typeof checkOptions>;
  private readonly onRescue: (() => void) | undefined;

  constructor(options: ReturnType<typeof checkOptions>, onRescue: (() => void) | undefined) {
    this.options = options;
    this.onRescue = onRescue;
  }

  derive(password: string, salt: Buffer, params: Argon2Params, tagLength: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      // postMessage copies a view's whole ArrayBuffer: a salt decoded from a PHC string is a slice
      // of Buffer's shared pool (64 KiB in Node 24), copied on the event loop at every verify.
      // Its 16 bytes alone cross.
      const job: Job = {
        id: this.nextId++,
        password,
        salt: new Uint8Array(salt),
        params,
        tagLength,
        resolve,
        reject,
        running: 0,
        settled: false,
        rescued: false,
        timer: undefined,
      };
      if (this.options.rescues) {
        job.timer = setTimeout(() => {
          if (job.settled || job.rescued || !this.starvable) return;
          this.due.push(job);
          this.dispatch();
        }, this.options.rescueAfterMs);
        job.timer.unref();
      }
      this.queue.push(job);
      this.dispatch();
    });
  }

  async threads(): Promise<Argon2ThreadInfo[]> {
    while (this.count('primary') < this.options.size) this.spawn('primary');
    return Promise.all(this.slots.map((slot) => slot.ready));
  }

  async close(): Promise<void> {
    const closing = this.slots;
    this.slots = [];
    const running = closing.flatMap((slot) => (slot.job ? [slot.job] : []));
    for (const job of new Set([...this.queue, ...this.due, ...running])) {
      if (job.settled) continue;
      this.settle(job);
      job.reject(new Error('argon2 threads closed'));
    }
    await Promise.all(closing.map((slot) => slot.worker.terminate()));
  }

  private count(role: ThreadRole): number {
    return this.slots.filter((s) => s.role === role).length;
  }

  private settle(job: Job): void {
    job.settled = true;
    clearTimeout(job.timer);
    this.queue = this.queue.filter((j) => j !== job);
    this.due = this.due.filter((j) => j !== job);
  }

  private fail(slot: Slot, error: Error): void {
    this.slots = this.slots.filter((s) => s !== slot);
    const job = slot.job;
    slot.job = undefined;
    // Rejected unless another thread still computes it.
    if (job && --job.running === 0 && !job.settled) {
      this.settle(job);
      job.reject(error);
    }
    // A worker that died is replaced on demand; the queue moves on with the others or a new one.
    this.dispatch();
  }

  private finish(slot: Slot, message: { id?: number; tag?: Uint8Array; error?: string }): void {
    const job = slot.job;
    if (message.id === undefined || !job || job.id !== message.id) return;
    slot.job = undefined;
    slot.worker.unref();
    job.running--;
    if (!job.settled) {
      this.settle(job);
      if (message.tag) job.resolve(Buffer.from(message.tag));
      else job.reject(new Error(`argon2: ${message.error}`));
    }
    this.dispatch();
  }

  private spawn(role: ThreadRole): Slot {
    const { nice, schedIdle, rescueNice } = this.options;
    const workerData = role === 'primary' ? { nice, schedIdle } : { nice: rescueNice, schedIdle: false };
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
    worker.unref();
    const ready = new Promise<Argon2ThreadInfo>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (info: Omit<Argon2ThreadInfo, 'role'> & { ready: true }) => {
        // Unreferenced again once started: an unref() before the thread is up does not hold.
        if (!slot.job) worker.unref();
        if (role === 'primary' && (info.policy === 'idle' || (info.nice ?? 0) > rescueNice))
          this.starvable = true;
        resolve({ tid: info.tid, nice: info.nice, policy: info.policy, role });
      });
    });
    ready.catch(() => {});
    const slot: Slot = { worker, role, job: undefined, ready };
    worker.on('message', (message) => this.finish(slot, message));
    worker.on('error', (error) => this.fail(slot, error));
    worker.on('exit', (code) => this.fail(slot, new Error(`argon2 worker exited (${code})`)));
    this.slots.push(slot);
    return slot;
  }

  /** A free thread of this role, started if fewer than `size` of them run. */
  private freeSlot(role: ThreadRole): Slot | undefined {
    const free = this.slots.find((s) => s.role === role && !s.job);
    if (free) return free;
    return this.count(role) < this.options.size ? this.spawn(role) : undefined;
  }

  private start(slot: Slot, job: Job): void {
    slot.job = job;
    job.running++;
    // Referenced while it works: a pending hash keeps the process alive, an idle pool does not.
    slot.worker.ref();
    const { password, salt, params, tagLength, id } = job;
    slot.worker.postMessage({ id, password, salt, params, tagLength });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.freeSlot('primary');
      if (!slot) break;
      this.start(slot, this.queue.shift()!);
    }
    // A primary thread still on a hash that a rescue thread answered is starved now: what waits
    // for a primary thread is due at once, not after a wait of its own.
    if (
      this.starvable &&
      this.queue.length > 0 &&
      this.slots.some((s) => s.role === 'primary' && s.job?.settled)
    ) {
      for (const job of this.queue) if (!this.due.includes(job)) this.due.push(job);
    }
    while (this.due.length > 0) {
      const slot = this.freeSlot('rescue');
      if (!slot) break;
      const job = this.due.shift()!;
      job.rescued = true;
      // Still waiting for a primary thread: the rescue thread takes it alone.
      this.queue = this.queue.filter((j) => j !== job);
      this.start(slot, job);
      this.onRescue?.();
    }
  }
}
