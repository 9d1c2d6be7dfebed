import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { killOnProcessExit, terminate } from '../../../packages/server/src/store/redis/test-redis-server.ts';

const OUTPUT_TAIL_LINES = 40;

export interface NodeProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Every line it wrote to stdout so far. */
  readonly lines: readonly string[];
  /**
   * Resolves with the first stdout line (past or future) that `match` maps to a value; rejects
   * with the process's output when it exits first or `timeoutMs` passes.
   */
  waitForLine<T>(match: (line: string) => T | undefined, timeoutMs?: number): Promise<T>;
  /** The last lines of stdout and stderr, for failure messages. */
  output(): string;
  /** Sends `signal` (SIGTERM), then SIGKILL after 3 s; resolves once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  readonly exited: Promise<void>;
}

/**
 * Runs `script` in a Node 24 child process (the test's own binary). The environment is only
 * `env` plus PATH and HOME: nothing leaks in from the runner (not NODE_TEST_CONTEXT, which would
 * turn the child into a test reporter, nor a REDIS_URL of the developer's). stdin stays an open
 * pipe, so a child can treat its end as "the test process died". The child is SIGKILLed if this
 * process exits without stopping it.
 */
export function spawnNode(
  name: string,
  script: string,
  env: Record<string, string> = {},
  // Another program (npx, another Node) or folder, for tests that run installed packages.
  // `group`: its own process group, all of which stop() ends (npx runs the program as a grandchild).
  how: { command?: string; args?: string[]; cwd?: string; group?: boolean } = {},
): NodeProcess {
  const child = spawn(how.command ?? process.execPath, how.args ?? [script], {
    cwd: how.cwd,
    detached: how.group,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      // A Node child of this repository resolves the workspace packages to their sources, as npm
      // scripts do (.npmrc), never to a dist/ that may be stale or being rebuilt.
      ...(how.command === undefined ? { NODE_OPTIONS: '--conditions=gatehouse-source' } : {}),
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const tail: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const remember = (line: string) => {
    tail.push(line);
    if (tail.length > OUTPUT_TAIL_LINES) tail.shift();
  };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    remember(line);
    for (const listener of listeners) listener(line);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => remember(`stderr: ${line}`));
  const kill = (signal: NodeJS.Signals) => {
    if (!how.group || child.pid === undefined) return child.kill(signal);
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is gone already.
    }
  };
  const dispose = killOnProcessExit(() => kill('SIGKILL'));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(dispose);
  const output = () => tail.join('\n');

  return {
    name,
    child,
    lines,
    exited,
    output,
    waitForLine<T>(match: (line: string) => T | undefined, timeoutMs = 10_000) {
      for (const line of lines) {
        const value = match(line);
        if (value !== undefined) return Promise.resolve(value);
      }
      return new Promise<T>((resolve, reject) => {
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(onLine);
          settle();
        };
        const onLine = (line: string) => {
          const value = match(line);
          if (value !== undefined) finish(() => resolve(value));
        };
        const timer = setTimeout(
          () =>
            finish(() =>
              reject(new Error(`${name}: expected output not seen in ${timeoutMs} ms\n${output()}`)),
            ),
          timeoutMs,
        );
        listeners.add(onLine);
        void exited.then(() =>
          finish(() =>
            reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode})\n${output()}`)),
          ),
        );
      });
    },
    async stop(signal = 'SIGTERM') {
      if (!how.group) return terminate(child, signal);
      if (child.exitCode !== null || child.signalCode !== null) return;
      kill(signal);
      const timer = setTimeout(() => kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
