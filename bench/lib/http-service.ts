import { fileURLToPath } from 'node:url';
import type { HttpCase, HttpServiceConfig, HttpServiceReady } from '../workers/http/types.ts';
import { type LoadResult, runLoad } from './load.ts';
import type { ScenarioContext } from './types.ts';
import { startWorker, type Worker } from './workers.ts';

const SERVICE = fileURLToPath(new URL('../workers/http-service.ts', import.meta.url));

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
