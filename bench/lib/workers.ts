import { type ChildProcess, fork } from 'node:child_process';
import type { FromWorker, ToWorker } from './worker-messages.ts';

export interface WorkerOptions {
  /** Extra Node flags, e.g. `--expose-gc`. */
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
}

export interface Worker<Ready> {
  readonly pid: number;
  /** What the worker answered to `init`. */
  readonly ready: Ready;
  /** Sends a request and resolves with the worker's reply; rejects on error, exit or timeout. */
  call<T>(body: unknown, timeoutMs?: number): Promise<T>;
  /** Asks the worker to close what it opened and exit; kills it if it does not within 3 s. */
  stop(): Promise<void>;
}

/**
 * Extra Node flags for every worker from `BENCH_WORKER_FLAGS` (space-separated), for profiling a
 * scenario's processes: `BENCH_WORKER_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof'` (Node refuses
 * `--cpu-prof` in NODE_OPTIONS).
 */
function profileFlags(): string[] {
  return (process.env.BENCH_WORKER_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Last resort, on any exit of the bench (also a crash): no child outlives it. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

function send(child: ChildProcess, message: ToWorker): void {
  if (child.connected) child.send(message);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Forks `script` with the same Node (so TypeScript runs as in the parent), sends it `config` and
 * waits for its `ready` answer. The worker's stdout goes to our stderr, keeping our stdout clean.
 */
export async function startWorker<Ready>(
  script: string,
  config: unknown,
  options: WorkerOptions = {},
): Promise<Worker<Ready>> {
  installExitHook();
  const child = fork(script, [], {
    execArgv: [...(options.execArgv ?? []), ...profileFlags()],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', process.stderr, 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  live.add(child);
  child.once('exit', () => live.delete(child));

  let nextId = 1;
  const pending = new Map<number, { resolve: (body: unknown) => void; reject: (error: Error) => void }>();
  const exit = exited(child);
  exit.then(() => {
    for (const { reject } of pending.values()) reject(new Error(`worker ${script} exited`));
    pending.clear();
  });

  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ready = await new Promise<Ready>((resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`worker ${script} not ready within ${readyTimeoutMs} ms`)),
      readyTimeoutMs,
    );
    child.on('message', (message: FromWorker) => {
      if (message.type === 'ready') resolve(message.ready as Ready);
      else if (message.type === 'failed') reject(new Error(message.error));
      else if (message.type === 'reply') {
        const waiting = pending.get(message.id);
        pending.delete(message.id);
        if (message.error !== undefined) waiting?.reject(new Error(message.error));
        else waiting?.resolve(message.body);
      }
    });
    exit.then(() =>
      reject(new Error(`worker ${script} exited before it was ready (code ${child.exitCode})`)),
    );
    child.once('error', reject);
    send(child, { type: 'init', config });
  })
    .catch(async (error: unknown) => {
      child.kill('SIGKILL');
      await exit;
      throw error;
    })
    .finally(() => clearTimeout(timer));

  return {
    pid: child.pid ?? -1,
    ready,
    call<T>(body: unknown, timeoutMs = 30_000) {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`worker call timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value as T);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        send(child, { type: 'call', id, body });
      });
    },
    async stop() {
      send(child, { type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** Stops every worker still running (used when a scenario fails half-way). */
export async function stopAllWorkers(): Promise<void> {
  await Promise.all(
    [...live].map(async (child) => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited(child);
      clearTimeout(timer);
    }),
  );
}
