import type { ScenarioOutcome, Section } from './types.ts';

/** Everything a report is made of; both renderers read only this. */
export interface ReportInput {
  /** ISO timestamp of the start of the run. */
  startedAt: string;
  mode: 'quick' | 'full';
  command: string;
  /** The git commit measured, and whether tracked files had uncommitted changes; null outside git. */
  commit?: { commit: string; dirty: boolean } | null;
  durationMs: number;
  machine: string[][];
  /** Warnings about the run as a whole (a busy machine), shown before everything else. */
  notices?: string[];
  outcomes: ScenarioOutcome[];
}

/** A chart's file name, stable for a given scenario and section position. */
export function chartFileName(scenario: string, sectionIndex: number): string {
  return `${scenario}-${sectionIndex + 1}.svg`;
}

/** Each section that has a chart, with the file name it is written under. */
export function chartsOf(outcome: ScenarioOutcome): { section: Section; file: string }[] {
  return (outcome.result?.sections ?? []).flatMap((section, index) =>
    section.chart ? [{ section, file: chartFileName(outcome.name, index) }] : [],
  );
}

export function statusLabel(outcome: ScenarioOutcome): string {
  if (outcome.status === 'failed') return 'failed';
  if (outcome.status === 'partial') return 'partial (see below)';
  return 'ok';
}
