/**
 * The Gatehouse benchmark lab. Runs every scenario (or those named by --only), one after the
 * other, and writes report.md, report.html (SVG charts inline), charts/*.svg and results.json to
 * bench/results/<date>/ (<date>-quick for --quick) unless --out says otherwise.
 *
 *   npm run bench                      full run, a few minutes
 *   npm run bench -- --quick           smoke run, under a minute (CI)
 *   npm run bench -- --only verify,http --out /tmp/bench
 *
 * A scenario that fails is reported with its error and the run goes on to the others; the report
 * is written either way, and then the run exits 1 if any scenario crashed, failed one of its own
 * checks or could not run a case (status other than ok), so that CI's smoke run can fail. A crash
 * of the harness itself exits 2.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeError, formatDuration } from './lib/format.ts';
import { loadavg } from 'node:os';
import {
  busyMachineNotice,
  describeCommit,
  describeLoad,
  describeMachine,
  machineRows,
} from './lib/machine.ts';
import { runScenario, unfinished } from './lib/run-scenario.ts';
import { describeServices } from './lib/services.ts';
import type { ScenarioContext, ScenarioOutcome } from './lib/types.ts';
import { stopAllWorkers } from './lib/workers.ts';
import { writeReport } from './lib/write-report.ts';
import { scenarios } from './scenarios/index.ts';

const USAGE = 'usage: node bench/run.ts [--quick] [--only <scenario>[,<scenario>...]] [--out <dir>]';

function parseOptions() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const known = new Set(scenarios.map((scenario) => scenario.name));
  const only = (values.only ?? []).flatMap((value) => value.split(',')).filter(Boolean);
  for (const name of only) {
    if (!known.has(name)) throw new TypeError(`unknown scenario "${name}"; known: ${[...known].join(', ')}`);
  }
  return { quick: values.quick, only, out: values.out, help: values.help };
}

function commandLine(quick: boolean, only: string[]): string {
  const args = [...(quick ? ['--quick'] : []), ...(only.length > 0 ? ['--only', only.join(',')] : [])];
  return args.length > 0 ? `npm run bench -- ${args.join(' ')}` : 'npm run bench';
}

async function main(): Promise<number> {
  const options = parseOptions();
  if (options.help) {
    process.stdout.write(`${USAGE}\nscenarios: ${scenarios.map((scenario) => scenario.name).join(', ')}\n`);
    return 0;
  }
  const started = new Date();
  const startedMs = performance.now();
  // A smoke run gets a directory of its own, so it never overwrites the day's full results.
  const day = started.toISOString().slice(0, 10);
  const outDir = options.out ?? join(import.meta.dirname, 'results', options.quick ? `${day}-quick` : day);
  const selected = scenarios.filter(
    (scenario) => options.only.length === 0 || options.only.includes(scenario.name),
  );
  const databaseUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const redisUrl = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
  const log = (line: string) =>
    process.stderr.write(`[${((performance.now() - startedMs) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
  log(
    `bench: ${options.quick ? 'quick' : 'full'} run of ${selected.map((scenario) => scenario.name).join(', ')}`,
  );

  const loadAtStart = describeLoad();
  const oneMinuteLoadAtStart = loadavg()[0]!;
  const outcomes: ScenarioOutcome[] = [];
  for (const scenario of selected) {
    const ctx: ScenarioContext = {
      quick: options.quick,
      outDir,
      databaseUrl,
      redisUrl,
      progress: (message) => log(`${scenario.name}: ${message}`),
    };
    const outcome = await runScenario(scenario, ctx);
    // Whatever a scenario left running (it failed half-way, say) is stopped before the next one.
    await stopAllWorkers();
    log(
      `${scenario.name}: ${outcome.status} in ${formatDuration(outcome.durationMs)}${outcome.error ? ` (${outcome.error})` : ''}`,
    );
    outcomes.push(outcome);
  }

  const machineInfo = describeMachine();
  const notice = busyMachineNotice(oneMinuteLoadAtStart, machineInfo.cores);
  const commit = describeCommit();
  const machine = [
    [
      'Commit measured',
      commit
        ? `${commit.commit}${commit.dirty ? ' plus uncommitted changes to tracked files' : ' (clean work tree)'}`
        : 'unknown (not a git checkout)',
    ],
    ...machineRows(machineInfo),
    ...(await describeServices(databaseUrl, redisUrl)),
    ['Load average (1/5/15 min)', `${loadAtStart} at start, ${describeLoad()} at end`],
  ];
  const paths = await writeReport(outDir, {
    startedAt: started.toISOString(),
    mode: options.quick ? 'quick' : 'full',
    command: commandLine(options.quick, options.only),
    commit,
    durationMs: performance.now() - startedMs,
    machine,
    notices: notice ? [notice] : [],
    outcomes,
  });
  log(`bench: report written to ${paths.md} and ${paths.html}`);
  const problems = unfinished(outcomes);
  for (const line of problems) log(`bench: NOT OK ${line}`);
  if (problems.length > 0) {
    log(`bench: ${problems.length} of ${outcomes.length} scenarios did not finish cleanly: exit 1`);
    return 1;
  }
  return 0;
}

try {
  const code = await main();
  // Explicit: a client a scenario forgot to close must not keep a finished run alive in CI.
  process.exit(code);
} catch (error) {
  process.stderr.write(
    `bench: harness failed: ${describeError(error)}\n${error instanceof Error ? error.stack : ''}\n${USAGE}\n`,
  );
  await stopAllWorkers().catch(() => {});
  process.exit(2);
}
