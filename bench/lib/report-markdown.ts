import { formatDuration } from './format.ts';
import { scorecardTable } from './scorecard.ts';
import { chartFileName, type ReportInput, statusLabel } from './report-model.ts';
import type { ScenarioOutcome, Table } from './types.ts';

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll(/\r?\n/g, ' ');
}

export function markdownTable(table: Table): string {
  const align = table.columns.map((_, index) => (table.align?.[index] === 'right' ? '---:' : '---'));
  return [
    `| ${table.columns.map(cell).join(' | ')} |`,
    `| ${align.join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

function scenarioMarkdown(outcome: ScenarioOutcome, index: number): string {
  const lines = [`## ${index + 1}. ${outcome.title}`, ''];
  lines.push(`Status: **${statusLabel(outcome)}**, ${formatDuration(outcome.durationMs)}.`, '');
  if (outcome.error) lines.push(`> Failed: ${cell(outcome.error)}`, '');
  const result = outcome.result;
  if (!result) return lines.join('\n');
  for (const { case: name, reason } of result.unavailable) lines.push(`- **${name}**: ${reason}`);
  for (const { case: name, reason } of result.failures) lines.push(`- **${name}** failed: ${reason}`);
  if (result.unavailable.length + result.failures.length > 0) lines.push('');
  result.sections.forEach((section, sectionIndex) => {
    lines.push(`### ${section.title}`, '');
    if (section.description) lines.push(section.description, '');
    lines.push(markdownTable(section.table), '');
    if (section.chart) {
      lines.push(`![${section.chart.title}](charts/${chartFileName(outcome.name, sectionIndex)})`, '');
    }
  });
  if (result.notes.length > 0) {
    lines.push('Notes:', '', ...result.notes.map((note) => `- ${note}`), '');
  }
  return lines.join('\n');
}

/** The report as Markdown; charts are separate SVG files under `charts/`. */
export function renderMarkdown(report: ReportInput): string {
  const headlines = report.outcomes.flatMap((outcome) => outcome.result?.headlines ?? []);
  const summary: Table = {
    columns: ['scenario', 'status', 'time'],
    align: ['left', 'left', 'right'],
    rows: report.outcomes.map((outcome) => [
      `${outcome.title} (\`${outcome.name}\`)`,
      statusLabel(outcome),
      formatDuration(outcome.durationMs),
    ]),
  };
  return [
    '# Gatehouse benchmark report',
    '',
    `Run started ${report.startedAt}, ${report.mode} mode, ${formatDuration(report.durationMs)} in all. ` +
      `Reproduce with \`${report.command}\`. Every figure is a ratio against a baseline measured in this same run.`,
    '',
    ...(report.notices ?? []).flatMap((notice) => [`> **Note:** ${notice}`, '']),
    '## Scorecard (issue 14 goals)',
    '',
    markdownTable(scorecardTable(report.outcomes, report.mode)),
    '',
    '## Machine',
    '',
    markdownTable({ columns: ['', 'this run'], rows: report.machine }),
    '',
    '## Scenarios',
    '',
    markdownTable(summary),
    '',
    ...(headlines.length > 0 ? ['## Headlines', '', ...headlines.map((line) => `- ${line}`), ''] : []),
    ...report.outcomes.map(scenarioMarkdown),
  ].join('\n');
}
