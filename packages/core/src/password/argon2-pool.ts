import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { WORKER_SOURCE } from './argon2-worker-source.ts';
import type { Argon2Params } from './password-hasher.ts';
import { type Argon2ThreadInfo, type Argon2ThreadsOptions, checkOptions } from './argon2-thread-options.ts';

type ThreadRole = Argon2ThreadInfo['role'];

interface Job {
  id: number;
  password: string;
  salt: Uint8Array;
  params: Argon2Params;
  tagLength: number;
  resolve: (tag: Buffer) => void;
  reject: (error: Error) => void;
  /** Answered: a later result for it is dropped. */
  settled: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface Slot {
  worker: Worker;
  role: ThreadRole;
  ready: Promise<Argon2ThreadInfo>;
  job: Job | undefined;
  /** Its OS thread id, once it reported it (Linux). */
  tid: number | null;
  /** Its scheduler times when its job started or was last found not starved. */
  since: SchedTimes | undefined;
}

/** Nanoseconds a thread has spent running, and runnable but waiting for a CPU (Linux schedstat). */
export interface SchedTimes {
  run: number;
  wait: number;
}

/** Between two readings of one thread, it waited for a CPU longer than it ran: less than half a core. */
export function starvedBetween(since: SchedTimes, now: SchedTimes): boolean {
  return now.run - since.run < now.wait - since.wait;
}

/** The thread's schedstat (`/proc/self/task/<tid>/schedstat`), or undefined where there is none. */
export function schedTimes(tid: number | null): SchedTimes | undefined {
  if (tid === null) return undefined;
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
    return Number.isFinite(run) && Number.isFinite(wait) ? { run: run!, wait: wait! } : undefined;
  } catch {
    return undefined;
  }
}

export interface Argon2Threads {
  /** Derives one Argon2id tag on a worker thread (queued while all are busy). */
  derive(password: string, salt: Buffer, params: Argon2Params, tagLength: number): Promise<Buffer>;
  /** Starts the primary workers if need be and tells where each thread runs, rescue threads too. */
  threads(): Promise<Argon2ThreadInfo[]>;
  /** Ends the workers; queued and running derivations are rejected. Later calls start new ones. */
  close(): Promise<void>;
}

/**
 * A small pool of worker threads computing Argon2id at low OS priority. Workers start at the
 * first derivation and are unreferenced while idle, so they never keep the process alive. A hash
 * its primary thread is starved on (over `rescueAfterMs` it waited for a CPU longer than it ran) is
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
        settled: false,
        timer: undefined,
      };
      if (this.options.rescues) this.arm(job);
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

  /** Checks the job after `rescueAfterMs`, and again each time it is found not starved. */
  private arm(job: Job): void {
    job.timer = setTimeout(() => this.check(job), this.options.rescueAfterMs);
    job.timer.unref();
  }

  /**
   * A job its primary thread runs is due for rescue when the thread waited for a CPU longer than it
   * ran since the job started (or since the last check): starved, not merely a long hash (stronger
   * parameters, a slow machine), which a second thread would only compute twice. Without schedstat
   * the wait is all there is to go by. A job still queued waits its turn: a primary thread that
   * stays on an answered job hands its queue over in `dispatch`.
   */
  private check(job: Job): void {
    if (job.settled || this.rescuing(job)) return;
    const slot = this.slots.find((s) => s.role === 'primary' && s.job === job);
    const now = slot && schedTimes(slot.tid);
    // Nothing is judged until a primary thread reported that it runs at a low priority (its
    // start-up can itself be slow on a busy host).
    const starved =
      this.starvable &&
      slot &&
      (now === undefined || (slot.since !== undefined && starvedBetween(slot.since, now)));
    if (!starved) {
      // Queued, not starved, or not yet judged (its thread's times unknown when it started).
      if (slot) slot.since = now;
      this.arm(job);
      return;
    }
    this.due.push(job);
    this.dispatch();
  }

  /** On a rescue thread already, or waiting for one (never started on two). */
  private rescuing(job: Job): boolean {
    return this.due.includes(job) || this.slots.some((s) => s.role === 'rescue' && s.job === job);
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
    if (job && !job.settled && !this.slots.some((s) => s.job === job)) {
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
        slot.tid = info.tid;
        if (role === 'primary' && (info.policy === 'idle' || (info.nice ?? 0) > rescueNice))
          this.starvable = true;
        resolve({ tid: info.tid, nice: info.nice, policy: info.policy, role });
      });
    });
    ready.catch(() => {});
    const slot: Slot = { worker, role, job: undefined, ready, tid: null, since: undefined };
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
    // Where a thread can starve: its times now, to tell a starved hash from a long one later.
    if (slot.role === 'primary' && this.starvable) slot.since = schedTimes(slot.tid);
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
      // Still waiting for a primary thread: the rescue thread takes it alone.
      this.queue = this.queue.filter((j) => j !== job);
      this.start(slot, job);
      this.onRescue?.();
    }
  }
}
