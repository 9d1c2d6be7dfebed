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
export const WORKER_SOURCE = `
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
