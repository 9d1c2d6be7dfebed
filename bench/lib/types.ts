/**
 * The shapes every scenario shares. A scenario measures, then describes what it measured as
 * sections (a table, optionally a chart); the report writer knows nothing about any scenario.
 */

export interface ScenarioContext {
  /** Smoke run: a few seconds per scenario, small sizes. CI runs this. */
  quick: boolean;
  /** The report directory of this run (scenarios may drop extra files here). */
  outDir: string;
  /** PostgreSQL the bench may create (and drops) a schema in. */
  databaseUrl: string;
  redisUrl: string;
  /** One line on stderr, prefixed with the scenario name. */
  progress(message: string): void;
}

export interface Scenario {
  /** Short id, used by `--only`. */
  name: string;
  title: string;
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
}

export interface ScenarioResult {
  sections: Section[];
  /** One-line figures lifted into the report's summary (each already carries its ratio). */
  headlines: string[];
  /** Cases that could not run, with the reason: shown, never hidden. */
  unavailable: CaseNote[];
  /** Cases that threw; the scenario went on with the others. */
  failures: CaseNote[];
  /** How the figures were obtained and what to keep in mind reading them. */
  notes: string[];
  /** This scenario's measurements of the performance goals (issue 14), for the report's scorecard. */
  scorecard?: GoalMeasurement[];
}

/** One measured goal (or one row of a goal, e.g. one algorithm), as the scorecard shows it. */
export interface GoalMeasurement {
  /** The goal's number in `bench/lib/scorecard.ts` (1–7). */
  goal: number;
  /** What exactly was measured, e.g. "ES256 first sight ÷ raw node:crypto". */
  what: string;
  /** The measured value, formatted, e.g. "0.98×". */
  value: string;
  /** The target, formatted, e.g. "≥ 0.97×". */
  target: string;
  pass: boolean;
  /** The same-run baselines the value is a ratio of (raw crypto, fast-jwt, jose, …). */
  baselines: string;
}

export interface CaseNote {
  case: string;
  reason: string;
}

export interface Section {
  title: string;
  description?: string;
  table: Table;
  chart?: BarChart;
}

export interface Table {
  columns: string[];
  /** Per column; numbers read best right-aligned. Default left. */
  align?: ('left' | 'right')[];
  rows: string[][];
}

export interface BarChart {
  title: string;
  /** Shown on the axis, e.g. "µs/op" or "req/s". */
  unit: string;
  /** Said under the chart so nobody has to guess which way is good. */
  better: 'lower' | 'higher';
  /** A logarithmic axis, for values spanning orders of magnitude. */
  logScale?: boolean;
  bars: Bar[];
}

export interface Bar {
  label: string;
  value: number;
  /** Spread drawn as a whisker, in the same unit as `value`. */
  low?: number;
  high?: number;
  /** The figure the others are a ratio of. */
  baseline?: boolean;
}

/** What the runner records for each scenario, successful or not. */
export interface ScenarioOutcome {
  name: string;
  title: string;
  status: 'ok' | 'partial' | 'failed';
  durationMs: number;
  result?: ScenarioResult;
  /** Set when the whole scenario threw. */
  error?: string;
}

export function emptyResult(): ScenarioResult {
  return { sections: [], headlines: [], unavailable: [], failures: [], notes: [] };
}
