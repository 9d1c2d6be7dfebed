/**
 * Instruction counts of one request through a framework adapter, for the adapters scenario's
 * routes (bench/workers/adapters/frameworks.ts): `open`, `noop` (a middleware / preHandler that
 * does nothing), `guarded` (the SDK's adapter, cached ES256 Bearer token, or the session cookie
 * with `cookie`), `unverified` (the same adapter around a verifier that verifies nothing) or, on
 * Hono, `wrapped` (`gatehouseHandler` around the handler). Each run's server
 * has that one route only, at `/r`, so route order plays no part; with ROUTES=bench (env) it has
 * the scenario's four (`/api/ES256`, `/api/EdDSA`, `/api/RS256`, `/api/session`, a verifier each),
 * all warmed up, and the ES256 one (the session one with `cookie`) measured.
 * The driver starts the server (optionally under a wrapper such as valgrind), sends
 * <warmup> + <measured> GET requests over CONNECTIONS (env, default 4) keep-alive sockets, one in
 * flight on each, then closes the server's stdin, on which it exits (callgrind writes its totals then).
 *
 *   node --conditions=gatehouse-source bench/adapter-request-profile.ts \
 *     <express|fastify|hono> <open|noop|guarded|unverified|wrapped> <warmup> <measured> [bearer|cookie] [-- wrapper...]
 *
 * Instructions per request: run twice (e.g. measured 2000 and 12000) under
 *   -- valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file=/tmp/cg.%p
 * and divide the difference of the main threads' totals (the `-01` file's `summary:`) by 10000.
 * Compare two such figures function by function (`callgrind_annotate` of each file) before
 * trusting their difference: a one-off compile that lands inside one run's window and not the
 * other's (seen: WebAssembly decoding inside node, `WasmFullDecoder`, 7.8–11k instructions per
 * request over 10000) moves a total as much as an adapter does; run the pair again when it shows.
 * Count the other threads too (`-02`... files): Turbofan compiles and concurrent marking run
 * there, and /proc's CPU time (the adapters scenario's) includes them. SERVER_FLAGS (env) go to
 * the server's node, e.g. `--perf-basic-prof` to name JIT code in callgrind's output through
 * /tmp/perf-<pid>.map. It prints the server's CPU µs per measured request (process.cpuUsage, all
 * threads; not meaningful on a loaded machine, nor under valgrind); to keep the server off the
 * driver's CPU, pin both: `taskset -c 0 node … -- taskset -c 1`.
 */
import { spawn } from 'node:child_process';
import { on } from 'node:events';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import type { AppForm, Framework } from './workers/adapters/frameworks.ts';

/** The server's first line: its port, each route with a request header it accepts, the one measured. */
interface ServerReady {
  port: number;
  routes: { path: string; header: [string, string] }[];
  measured: number;
}

const SERVER = process.env.ADAPTER_PROFILE_SERVER === '1';
/** Under valgrind the feed's heartbeat can be late by seconds: a 503 (stale) would end the run. */
const PATIENT = { maxStalenessMs: 600_000 };

if (SERVER) await serve();
else await drive();

async function serve(): Promise<void> {
  const [framework, route, credential] = process.argv.slice(2) as [string, string, string];
  const { createGuard, createScenarioGuards } = await import('./workers/adapters/guards.ts');
  const cookie = credential === 'cookie';
  // One route at /r, or (ROUTES=bench) the adapters scenario's four, its route table in its order.
  const guards =
    process.env.ROUTES === 'bench'
      ? await createScenarioGuards(PATIENT)
      : [await createGuard('/r', cookie ? 'cookie' : 'ES256', PATIENT)];
  // The session route is the last of the scenario's (and the only one at /r with `cookie`).
  const measured = cookie ? guards.length - 1 : 0;
  // The adapters scenario's own app (bench/workers/adapters/frameworks.ts), in the form asked for.
  const { startApp } = await import('./workers/adapters/frameworks.ts');
  const { port } = await startApp(framework as Framework, route as AppForm, guards);
  const routes = guards.map(({ path, header }) => ({ path, header }));
  const before = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ port, routes, measured })}\n`);
  let marked = before;
  // The driver writes a line when the warm-up is done, and closes stdin at the end.
  const lines = createInterface({ input: process.stdin });
  lines.on('line', () => {
    marked = process.cpuUsage();
  });
  lines.on('close', () => {
    const used = process.cpuUsage(marked);
    process.stdout.write(`${JSON.stringify({ cpuMicros: used.user + used.system })}\n`);
    process.exit(0);
  });
}

/** Sends `count` requests on one socket, one at a time; resolves when all were answered 200. */
function sendOn(port: number, request: string, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (count === 0) return resolve();
    const socket = connect(port, '127.0.0.1');
    let pending = '';
    let left = count;
    socket.setEncoding('latin1');
    socket.on('connect', () => socket.write(request));
    socket.on('error', reject);
    socket.on('data', (chunk: string) => {
      pending += chunk;
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = pending.slice(0, end);
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? Number.NaN);
        if (!head.startsWith('HTTP/1.1 200') || Number.isNaN(length)) {
          reject(new Error(`unexpected answer: ${head}`));
          return socket.destroy();
        }
        if (pending.length < end + 4 + length) return;
        pending = pending.slice(end + 4 + length);
        if (--left === 0) {
          socket.end();
          return resolve();
        }
        socket.write(request);
      }
    });
  });
}

async function sendAll(port: number, request: string, total: number, connections: number): Promise<void> {
  const each = Math.floor(total / connections);
  await Promise.all(
    Array.from({ length: connections }, (_, index) =>
      sendOn(port, request, index === 0 ? total - each * (connections - 1) : each),
    ),
  );
}

async function drive(): Promise<void> {
  const args = process.argv.slice(2);
  const split = args.indexOf('--');
  const own = split === -1 ? args : args.slice(0, split);
  const wrapper = split === -1 ? [] : args.slice(split + 1);
  const [framework = 'express', route = 'guarded', warmupText = '2000', measuredText = '10000'] = own;
  const credential = own[4] ?? 'bearer';
  const connections = Number(process.env.CONNECTIONS ?? 4);
  const node = process.execPath;
  const flags = (process.env.SERVER_FLAGS ?? '').split(' ').filter(Boolean);
  const command = [
    ...wrapper,
    node,
    ...process.execArgv,
    ...flags,
    import.meta.filename,
    framework,
    route,
    credential,
  ];
  const child = spawn(command[0]!, command.slice(1), {
    env: { ...process.env, ADAPTER_PROFILE_SERVER: '1' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  // The server's other output (--trace-opt...) is passed on to stderr. Its lines are taken as they
  // come (events.on queues them): readline's own iterator pauses the pipe between reads, and a
  // trace flag's output then filled it and stopped the server mid-run.
  const out = createInterface({ input: child.stdout! });
  const received = on(out, 'line', { close: ['close'] }) as AsyncIterableIterator<[string]>;
  const lines = (async function* () {
    for await (const [line] of received) {
      if (line.startsWith('{"')) yield line;
      else process.stderr.write(`${line}\n`);
    }
  })();
  const first = await lines.next();
  if (first.done) throw new Error('the server exited before listening');
  const { port, routes, measured: at } = JSON.parse(first.value) as ServerReady;
  const requestTo = ({ path, header: [name, value] }: ServerReady['routes'][number]) =>
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${name}: ${value}\r\n\r\n`;
  // With the bench's routes, each is warmed up (twice over, in turn), as the scenario warms every
  // guard before timing one; then the measured route gets the whole warm-up.
  for (let round = 0; routes.length > 1 && round < 2; round++)
    for (const route of routes)
      await sendAll(port, requestTo(route), Math.floor(Number(warmupText) / 8), connections);
  const request = requestTo(routes[at]!);
  await sendAll(port, request, Number(warmupText), connections);
  child.stdin!.write('warm\n');
  const measured = Number(measuredText);
  await sendAll(port, request, measured, connections);
  child.stdin!.end();
  const last = await lines.next();
  if (last.done) throw new Error('the server exited without its totals');
  const { cpuMicros } = JSON.parse(last.value) as { cpuMicros: number };
  // Under valgrind the figure is valgrind's (tens of times slower); under `taskset` it is the app's.
  if (measured > 0)
    console.log(
      `${framework} ${route} ${credential}: ${(cpuMicros / measured).toFixed(2)} µs CPU per request`,
    );
}
