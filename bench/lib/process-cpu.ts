import { readFileSync } from 'node:fs';

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
