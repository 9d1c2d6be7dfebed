import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time (user + system) a process has used so far, in µs, read from Linux's /proc; undefined
 * elsewhere. Read before and after a load run, it gives the app's CPU per request, which does not
 * depend on how the load generator and the app happened to share the cores during the run.
 */
export function processCpuMicros(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces, so split after its closing parenthesis).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  // The kernel counts in clock ticks of 1/100 s on every Linux configuration Node runs on.
  return Number.isFinite(ticks) ? ticks * 10_000 : undefined;
}

/**
 * Nanoseconds the process's main thread (its event loop) has spent runnable but waiting for a CPU
 * (`/proc/<pid>/task/<pid>/schedstat`, second field; Linux with schedstats), or null. The direct
 * measure of "hashing takes CPU from the event loop", far less noisy than a latency tail.
 */
export function runQueueWaitNs(pid: number): number | null {
  try {
    const wait = Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[1]);
    return Number.isFinite(wait) ? wait : null;
  } catch {
    return null;
  }
}

/**
 * CPU time a process's threads have used so far, in µs to the nanosecond (the sum of each thread's
 * `/proc/<pid>/task/<tid>/schedstat` run time; a thread that has exited no longer counts), where
 * schedstats can be read; else `processCpuMicros`, which counts in 10 ms ticks: too coarse to tell
 * how busy a process was in one second.
 */
export function threadsCpuMicros(pid: number): number | undefined {
  try {
    let nanos = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`))
      nanos += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    if (Number.isFinite(nanos)) return nanos / 1000;
  } catch {
    // No schedstats (or the process is gone): the coarser count below, or nothing.
  }
  return processCpuMicros(pid);
}
