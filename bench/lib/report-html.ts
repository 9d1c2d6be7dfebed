import { formatDuration } from './format.ts';
import { scorecardTable } from './scorecard.ts';
import type { ReportInput } from './report-model.ts';
import { statusLabel } from './report-model.ts';
import { escapeXml as escapeHtml, renderBarChart } from './svg-bar-chart.ts';
import type { ScenarioOutcome, Table } from './types.ts';

const STYLE = `
body { font: 15px/1.5 system-ui, -apple-system, Segoe UI, sans-serif; color: #1d1d1d; max-width: 980px; margin: 2rem auto; padding: 0 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #d6d6d6; padding: 0.25rem 0.6rem; vertical-align: top; }
th { background: #f3f3f3; text-align: left; }
td.right, th.right { text-align: right; font-variant-numeric: tabular-nums; }
.status-failed { color: #a11; font-weight: bold; }
.status-partial { color: #8a5a00; font-weight: bold; }
.chart { margin: 0.5rem 0 1.5rem; overflow-x: auto; }
code { background: #f3f3f3; padding: 0 0.25rem; }
`;

function htmlTable(table: Table): string {
  const alignClass = (index: number) => (table.align?.[index] === 'right' ? ' class="right"' : '');
  const head = table.columns.map((column, index) => `<th${alignClass(index)}>${escapeHtml(column)}</th>`);
  const body = table.rows.map(
    (row) =>
      `<tr>${row.map((value, index) => `<td${alignClass(index)}>${escapeHtml(value)}</td>`).join('')}</tr>`,
  );
  return `<table><thead><tr>${head.join('')}</tr></thead><tbody>${body.join('\n')}</tbody></table>`;
}

function list(items: string[]): string {
  return items.length === 0 ? '' : `<ul>${items.map((item) => `<li>${item}</li>`).join('')}</ul>`;
}

function scenarioHtml(outcome: ScenarioOutcome, index: number): string {
  const parts = [
    `<h2 id="${escapeHtml(outcome.name)}">${index + 1}. ${escapeHtml(outcome.title)}</h2>`,
    `<p>Status: <span class="status-${outcome.status}">${escapeHtml(statusLabel(outcome))}</span>, ${formatDuration(outcome.durationMs)}.</p>`,
  ];
  if (outcome.error) parts.push(`<p class="status-failed">Failed: ${escapeHtml(outcome.error)}</p>`);
  const result = outcome.result;
  if (!result) return parts.join('\n');
  parts.push(
    list([
      ...result.unavailable.map(
        (note) => `<strong>${escapeHtml(note.case)}</strong>: ${escapeHtml(note.reason)}`,
      ),
      ...result.failures.map(
        (note) => `<strong>${escapeHtml(note.case)}</strong> failed: ${escapeHtml(note.reason)}`,
      ),
    ]),
  );
  for (const section of result.sections) {
    parts.push(`<h3>${escapeHtml(section.title)}</h3>`);
    if (section.description) parts.push(`<p>${escapeHtml(section.description)}</p>`);
    parts.push(htmlTable(section.table));
    if (section.chart) parts.push(`<div class="chart">${renderBarChart(section.chart)}</div>`);
  }
  if (result.notes.length > 0) {
    parts.push('<p>Notes:</p>', list(result.notes.map(escapeHtml)));
  }
  return parts.join('\n');
}

/** The report as one self-contained HTML page, charts inline. */
export function renderHtml(report: ReportInput): string {
  const headlines = report.outcomes.flatMap((outcome) => outcome.result?.headlines ?? []);
  const summary: Table = {
    columns: ['scenario', 'status', 'time'],
    align: ['left', 'left', 'right'],
    rows: report.outcomes.map((outcome) => [
      `${outcome.title} (${outcome.name})`,
      statusLabel(outcome),
      formatDuration(outcome.durationMs),
    ]),
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gatehouse benchmark report, ${escapeHtml(report.startedAt)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Gatehouse benchmark report</h1>
<p>Run started ${escapeHtml(report.startedAt)}, ${report.mode} mode, ${formatDuration(report.durationMs)} in all.
Reproduce with <code>${escapeHtml(report.command)}</code>. Every figure is a ratio against a baseline measured in this same run.</p>
${(report.notices ?? []).map((notice) => `<p class="status-partial">Note: ${escapeHtml(notice)}</p>`).join('\n')}
<h2>Scorecard (issue 14 goals)</h2>
${htmlTable(scorecardTable(report.outcomes, report.mode))}
<h2>Machine</h2>
${htmlTable({ columns: ['', 'this run'], rows: report.machine })}
<h2>Scenarios</h2>
${htmlTable(summary)}
${headlines.length > 0 ? `<h2>Headlines</h2>${list(headlines.map(escapeHtml))}` : ''}
${report.outcomes.map(scenarioHtml).join('\n')}
</body>
</html>
`;
}
