import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderHtml } from './report-html.ts';
import { renderMarkdown } from './report-markdown.ts';
import { chartsOf, type ReportInput } from './report-model.ts';
import { renderBarChart } from './svg-bar-chart.ts';

/**
 * Writes report.md, report.html, charts/*.svg (for the Markdown) and results.json (the raw
 * outcomes, for comparing runs) into `outDir`. Returns the paths of the two reports.
 */
export async function writeReport(
  outDir: string,
  report: ReportInput,
): Promise<{ md: string; html: string }> {
  await mkdir(join(outDir, 'charts'), { recursive: true });
  for (const outcome of report.outcomes) {
    for (const { section, file } of chartsOf(outcome)) {
      await writeFile(join(outDir, 'charts', file), `${renderBarChart(section.chart!)}\n`);
    }
  }
  const md = join(outDir, 'report.md');
  const html = join(outDir, 'report.html');
  await writeFile(md, renderMarkdown(report));
  await writeFile(html, renderHtml(report));
  await writeFile(join(outDir, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
  return { md, html };
}
