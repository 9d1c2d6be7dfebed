import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism, setPriority } from 'node:os';

/** Busy processes spinning on every core; `stop` ends them (idempotent). */
export interface BusyCores {
  readonly count: number;
  stop(): Promise<void>;
}

export interface BusyCoresOptions {
  /** Busy processes. Default: four per core, so that every core has some whatever their placement. */
  count?: number;
  /**
   * Their nice value. Default 19: batch work that starves a SCHED_IDLE thread (weight 3 against
   * 15 for each of them) yet leaves a normal process, such as another test, nearly all of its CPU;
   * 0 for processes as busy as the server itself.
   */
  nice?: number;
  /** Each ends by itself after this long should the test that started it never stop it. Default 30. */
  maxSeconds?: number;
}

/**
 * Keeps every core busy with other work, as on a host whose other processes use all its CPU.
 * Resolves once every process is running its loop.
 */
export async function busyEveryCore(options: BusyCoresOptions = {}): Promise<BusyCores> {
  const count = options.count ?? 4 * availableParallelism();
  const code = `process.stdout.write('spinning\\n'); const end = Date.now() + ${(options.maxSeconds ?? 30) * 1000}; while (Date.now() < end) {}`;
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
  };
  try {
    for (let i = 0; i < count; i++) {
      const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
      children.push(child);
      // No pid: it did not start, and its 'error' ends the wait below (setPriority(undefined) is this process).
      if (child.pid !== undefined) setPriority(child.pid, options.nice ?? 19);
    }
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve, reject) => {
            child.once('error', reject);
            child.once('exit', () => reject(new Error('a busy process ended before it started spinning')));
            child.stdout!.once('data', () => resolve());
          }),
      ),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { count, stop };
}
