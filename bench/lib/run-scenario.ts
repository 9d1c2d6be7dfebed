import { describeError } from './format.ts';
import type { Scenario, ScenarioContext, ScenarioOutcome } from './types.ts';

/** Runs one scenario and turns whatever happens, a failed import included, into an outcome; never throws. */
export async function runScenario(
  scenario: { name: string; title: string; load(): Promise<Scenario> },
  ctx: ScenarioContext,
): Promise<ScenarioOutcome> {
  const start = performance.now();
  ctx.progress('starting');
  try {
    const result = await (await scenario.load()).run(ctx);
    const incomplete = result.failures.length + result.unavailable.length > 0;
    return {
      name: scenario.name,
      title: scenario.title,
      status: incomplete ? 'partial' : 'ok',
      durationMs: performance.now() - start,
      result,
    };
  } catch (error) {
    return {
      name: scenario.name,
      title: scenario.title,
      status: 'failed',
      durationMs: performance.now() - start,
      error: describeError(error),
    };
  }
}

/** The scenarios that did not finish cleanly, one line each (empty when every one is ok). */
export function unfinished(outcomes: readonly ScenarioOutcome[]): string[] {
  return outcomes.flatMap((outcome) => {
    if (outcome.status === 'ok') return [];
    const notes = [
      ...(outcome.error ? [outcome.error] : []),
      ...(outcome.result?.failures ?? []).map((note) => `${note.case} failed: ${note.reason}`),
      ...(outcome.result?.unavailable ?? []).map((note) => `${note.case}: ${note.reason}`),
    ];
    return [`${outcome.name}: ${outcome.status}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`];
  });
}
