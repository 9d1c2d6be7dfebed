import { fileURLToPath } from 'node:url';
import type { HttpCase, HttpServiceConfig, HttpServiceReady } from '../workers/http/types.ts';
import {
  type CountedLoad,
  countTogether,
  type LoadOptions,
  type LoadResult,
  runLoad,
  startCountedLoad,
  type SharedWindow,
} from './load.ts';
import type { LoadCommand } from '../workers/load-runner.ts';
import type { ScenarioContext } from './types.ts';
import { startWorker, type Worker } from './workers.ts';

const SERVICE = fileURLToPath(new URL('../workers/http-service.ts', import.meta.url));
const LOAD_RUNNER = fileURLToPath(new URL('../workers/load-runner.ts', import.meta.url));

/** Starts the tiny service with the given features in a child process; stop it with `stop()`. */
export function startHttpService(
  ctx: ScenarioContext,
  features: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Worker<HttpServiceReady>> {
  const config: HttpServiceConfig = { features, databaseUrl: ctx.databaseUrl, redisUrl: ctx.redisUrl };
  return startWorker<HttpServiceReady>(SERVICE, config, { env });
}

/** A short run that is thrown away: connections open, JIT and caches warm before the timed run. */
export async function warmUp(port: number, httpCase: HttpCase, seconds: number): Promise<void> {
  await runLoad({ ...loadOptions(port, httpCase), durationSeconds: seconds });
}

export function loadOptions(port: number, httpCase: HttpCase) {
  return {
    url: `http://127.0.0.1:${port}${httpCase.path}`,
    method: httpCase.method,
    headers: httpCase.headers,
    ...(httpCase.body === undefined ? {} : { body: httpCase.body }),
  };
}

/** Runs one case; a case that got anything but 2xx answers measured a failure, so it throws. */
export async function loadCase(
  port: number,
  httpCase: HttpCase,
  durationSeconds: number,
  connections = 10,
): Promise<LoadResult> {
  const result = await runLoad({ ...loadOptions(port, httpCase), durationSeconds, connections });
  assertAllOk(httpCase, result);
  return result;
}

/**
 * Load generators in processes of their own (bench/workers/load-runner.ts), one per load of a pair;
 * if one cannot start, those already started are stopped before the error is passed on.
 */
export async function startLoadProcesses(count: number): Promise<Worker<unknown>[]> {
  const runners: Worker<unknown>[] = [];
  try {
    for (let started = 0; started < count; started++)
      runners.push(await startWorker<unknown>(LOAD_RUNNER, {}));
  } catch (error) {
    for (const runner of runners) await runner.stop();
    throw error;
  }
  return runners;
}

/** A load run by a load process: the window's edges are messages, sent together to every process. */
function countedIn(
  runner: Worker<unknown>,
  options: Omit<LoadOptions, 'durationSeconds'>,
  until: number,
): CountedLoad {
  // A lost edge shows at `finish`, which then answers for a load that was never opened or closed.
  const send = (command: LoadCommand) => void runner.call(command).catch(() => {});
  const start: LoadCommand = { start: options, untilSeconds: until };
  const finish: LoadCommand = { finish: true };
  return {
    started: runner.call<void>(start),
    open: () => send({ open: true }),
    close: () => send({ close: true }),
    finish: () => runner.call<LoadResult>(finish),
  };
}

/**
 * Several services' cases loaded at the same time and counted over one shared window
 * (`countTogether`), by autocannon in this process or, given one load process per case, in
 * those; like `loadCase`, a case that got anything but 2xx answers throws.
 */
export async function loadCasesTogether(
  targets: { port: number; httpCase: HttpCase }[],
  connections: number,
  window: SharedWindow,
  runners?: Worker<unknown>[],
): Promise<LoadResult[]> {
  const options = targets.map(({ port, httpCase }) => ({ ...loadOptions(port, httpCase), connections }));
  const until = window.leadInSeconds + window.seconds;
  const counted = options.map((load, at) =>
    runners ? countedIn(runners[at]!, load, until) : startCountedLoad(load, until),
  );
  const loads = await countTogether(counted, window);
  for (const [at, load] of loads.entries()) assertAllOk(targets[at]!.httpCase, load);
  return loads;
}

export function assertAllOk(
  httpCase: HttpCase,
  result: Pick<LoadResult, 'completed' | 'non2xx' | 'errors' | 'statusCodes'>,
): void {
  if (result.non2xx > 0 || result.errors > 0 || result.completed === 0) {
    throw new Error(
      `${httpCase.name}: ${result.completed} requests, ${result.non2xx} non-2xx, ${result.errors} errors (status codes ${JSON.stringify(result.statusCodes)})`,
    );
  }
}
