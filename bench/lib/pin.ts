import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/**
 * The CPUs this process may use, read once when it starts: once it has pinned itself to one CPU,
 * `availableParallelism()` answers 1 (its own affinity), and it could no longer pin its children.
 */
const CPUS = availableParallelism();

/**
 * Pins a process (every thread it has, and so every thread it starts later) to one CPU with
 * util-linux's `taskset`, and answers how to give it every CPU back; undefined where that cannot
 * be done (not Linux, no taskset, fewer than two CPUs), and the run goes on unpinned.
 */
export function pinToCpu(pid: number, cpu: number): (() => void) | undefined {
  if (process.platform !== 'linux' || CPUS < 2 || cpu >= CPUS) return undefined;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return () => {
    try {
      execFileSync('taskset', ['-a', '-p', '-c', `0-${CPUS - 1}`, String(pid)], { stdio: 'ignore' });
    } catch {
      // The process has exited: nothing left to unpin.
    }
  };
}
