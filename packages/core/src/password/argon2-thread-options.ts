/** The threaded Argon2 hasher's options, checked once (`checkOptions`), and what it tells of its threads. */

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
   * A hash whose primary thread, over this long, waited for a CPU longer than it ran (Linux
   * schedstat; where the kernel keeps none, still unfinished) is also started on a rescue thread
   * at `rescueNice`, and the first result answers. A thread at SCHED_IDLE or nice 19 gets almost no
   * CPU while every core is busy with other work: there a login would take seconds (up to 18 s
   * with one busy process per core at nice 0, 20–33 s with two, on a 2-vCPU VM), however idle the
   * server. A long hash on a free core (stronger parameters, a slow machine) is checked again,
   * never computed twice. Default 500; 0 turns rescue off. Only where the threads run below
   * `rescueNice`'s priority (a higher nice, or SCHED_IDLE).
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

export function checkOptions(options: Argon2ThreadsOptions) {
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
