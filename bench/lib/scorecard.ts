import type { GoalMeasurement, ScenarioOutcome, ScenarioResult, Table } from './types.ts';

/** Adds one measured goal row to a scenario's result. */
export function recordScore(result: ScenarioResult, measurement: GoalMeasurement): void {
  result.scorecard = [...(result.scorecard ?? []), measurement];
}

/** The goals of issue 14, in order: the scorecard lists every one, measured or not. */
export const GOALS: readonly {
  goal: number;
  title: string;
  target: string;
  scenario: string;
  /** Said when no scenario measured the goal: why, and the last figure known. */
  unmeasured?: string;
}[] = [
  {
    goal: 1,
    title: 'Guarded route ≥ 0.95× open (Bearer ES256/EdDSA/RS256, cookie; Fastify/Express/Hono)',
    target: '≥ 0.95×',
    scenario: 'adapters',
  },
  {
    goal: 2,
    title: 'First-sight verification ≥ 0.97× raw node:crypto, per algorithm',
    target: '≥ 0.97×',
    scenario: 'verify',
  },
  {
    goal: 3,
    title: 'Login flood: guarded-route p99 ≤ 2× idle, legitimate logins still succeed',
    target: '≤ 2.00×',
    scenario: 'login',
  },
  {
    goal: 4,
    title: 'Revocation delay p50 ≤ 2 ms, p99 ≤ 10 ms to each of 8 verifiers',
    target: 'p50 ≤ 2 ms, p99 ≤ 10 ms',
    scenario: 'revocation',
  },
  {
    goal: 5,
    title: 'Feed fan-out: 3,000 SSE followers, p99 ≤ 50 ms, no stall > 20 ms',
    target: 'p99 ≤ 50 ms, stall ≤ 20 ms',
    scenario: 'fanout',
  },
  {
    goal: 6,
    title: 'Memory ≤ 48 MB per million live revocation entries; cache bytes per entry stated',
    target: '≤ 48 MB',
    scenario: 'memory',
  },
  { goal: 7, title: 'The report leads with this scorecard', target: 'present', scenario: 'report' },
];

/**
 * The scorecard: one row per measured figure (judged only in a full run), and one "not measured" row for each goal no scenario
 * of this run measured (not selected with --only, failed, or not measurable by the lab yet).
 */
export function scorecardTable(outcomes: readonly ScenarioOutcome[], mode: 'quick' | 'full' = 'full'): Table {
  const measured = outcomes.flatMap((outcome) => outcome.result?.scorecard ?? []);
  const rows: string[][] = [];
  for (const { goal, title, target, scenario } of GOALS) {
    if (goal === 7) {
      rows.push([`${goal}. ${title}`, 'this table', 'pass', '–']);
      continue;
    }
    const entries = measured.filter((entry) => entry.goal === goal);
    const unmeasured = GOALS.find((candidate) => candidate.goal === goal)?.unmeasured;
    if (entries.length === 0 && unmeasured) {
      rows.push([`${goal}. ${title} (target ${target})`, unmeasured, 'not measured', '–']);
      continue;
    }
    if (entries.length === 0) {
      const ran = outcomes.find((outcome) => outcome.name === scenario);
      const why = ran
        ? ran.status === 'failed'
          ? `scenario \`${scenario}\` failed`
          : 'not measured by this lab yet'
        : `not measured (\`${scenario}\` not run)`;
      rows.push([`${goal}. ${title} (target ${target})`, why, 'not measured', '–']);
      continue;
    }
    for (const entry of entries) {
      rows.push([
        `${goal}. ${entry.what} (target ${entry.target})`,
        entry.value,
        // The smoke run is too short and too small to judge a goal by (CI asserts nothing on speed).
        mode === 'quick'
          ? `not judged (quick run; would be ${entry.pass ? 'pass' : 'FAIL'})`
          : entry.pass
            ? 'pass'
            : 'FAIL',
        entry.baselines,
      ]);
    }
  }
  return { columns: ['goal', 'measured', 'result', 'baselines, same run'], rows };
}
