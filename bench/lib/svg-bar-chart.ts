import { formatNumber, formatTick } from './format.ts';
import type { BarChart } from './types.ts';

const WIDTH = 760;
const ROW_HEIGHT = 26;
const BAR_HEIGHT = 16;
const TOP = 34;
const AXIS_HEIGHT = 44;
const CHAR_WIDTH = 6.6; // average advance of a 12 px sans-serif glyph, to size the label column
const VALUE_ROOM = 110; // space right of the longest bar for its value
const COLORS = { bar: '#3b6ea8', baseline: '#9a9a9a', whisker: '#1d1d1d', grid: '#e3e3e3', text: '#1d1d1d' };

export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** A step of 1, 2 or 5 × 10^k giving about `count` ticks over `span`. */
export function niceStep(span: number, count = 5): number {
  if (!(span > 0)) return 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

interface Scale {
  position(value: number): number;
  ticks: number[];
}

function linearScale(maxValue: number, plotWidth: number): Scale {
  const step = niceStep(maxValue);
  const top = Math.max(step, Math.ceil(maxValue / step) * step);
  const ticks: number[] = [];
  for (let tick = 0; tick <= top + step / 2; tick += step) ticks.push(tick);
  return { position: (value) => (Math.max(0, value) / top) * plotWidth, ticks };
}

function logScale(minValue: number, maxValue: number, plotWidth: number): Scale {
  const low = Math.floor(Math.log10(minValue));
  const high = Math.max(low + 1, Math.ceil(Math.log10(maxValue)));
  const ticks: number[] = [];
  for (let power = low; power <= high; power++) ticks.push(10 ** power);
  // Bars start at the lowest decade, so the smallest value still gets a visible bar.
  return {
    position: (value) => ((Math.log10(Math.max(value, 10 ** low)) - low) / (high - low)) * plotWidth,
    ticks,
  };
}

/**
 * A horizontal bar chart as a self-contained SVG document: one bar per case, a whisker for the
 * spread, the value printed at the end, the baseline in grey. Hand-rolled on purpose: a chart
 * dependency would be the largest thing in the lab.
 */
export function renderBarChart(chart: BarChart): string {
  const bars = chart.bars.filter((bar) => Number.isFinite(bar.value));
  const labelWidth = Math.min(340, Math.max(80, ...bars.map((bar) => bar.label.length * CHAR_WIDTH + 12)));
  const plotWidth = WIDTH - labelWidth - VALUE_ROOM;
  const height = TOP + Math.max(1, bars.length) * ROW_HEIGHT + AXIS_HEIGHT;
  const highest = Math.max(...bars.map((bar) => Math.max(bar.value, bar.high ?? 0)), 0);
  const positive = bars.flatMap((bar) => [bar.value, bar.low ?? bar.value]).filter((value) => value > 0);
  const scale =
    chart.logScale && positive.length > 0
      ? logScale(Math.min(...positive), highest, plotWidth)
      : linearScale(highest, plotWidth);
  const x = (value: number) => labelWidth + scale.position(value);
  const plotBottom = TOP + bars.length * ROW_HEIGHT;
  const parts: string[] = [];

  parts.push(`<text x="0" y="18" font-size="14" font-weight="bold">${escapeXml(chart.title)}</text>`);
  for (const tick of scale.ticks) {
    const tickX = x(tick).toFixed(1);
    parts.push(
      `<line x1="${tickX}" y1="${TOP - 4}" x2="${tickX}" y2="${plotBottom}" stroke="${COLORS.grid}"/>`,
      `<text x="${tickX}" y="${plotBottom + 16}" font-size="11" text-anchor="middle">${escapeXml(formatTick(tick))}</text>`,
    );
  }
  bars.forEach((bar, index) => {
    const rowY = TOP + index * ROW_HEIGHT;
    const barY = rowY + (ROW_HEIGHT - BAR_HEIGHT) / 2;
    const centerY = (barY + BAR_HEIGHT / 2).toFixed(1);
    const end = x(bar.value);
    parts.push(
      `<text x="${labelWidth - 8}" y="${(barY + 12).toFixed(1)}" font-size="12" text-anchor="end">${escapeXml(bar.label)}</text>`,
      `<rect x="${labelWidth}" y="${barY.toFixed(1)}" width="${Math.max(1, end - labelWidth).toFixed(1)}" height="${BAR_HEIGHT}" fill="${bar.baseline ? COLORS.baseline : COLORS.bar}"><title>${escapeXml(`${bar.label}: ${formatNumber(bar.value)} ${chart.unit}`)}</title></rect>`,
    );
    let textX = end;
    if (bar.low !== undefined && bar.high !== undefined) {
      const [lowX, highX] = [x(bar.low), x(bar.high)].map((value) => value.toFixed(1));
      parts.push(
        `<line x1="${lowX}" y1="${centerY}" x2="${highX}" y2="${centerY}" stroke="${COLORS.whisker}"/>`,
        `<line x1="${lowX}" y1="${(barY + 4).toFixed(1)}" x2="${lowX}" y2="${(barY + BAR_HEIGHT - 4).toFixed(1)}" stroke="${COLORS.whisker}"/>`,
        `<line x1="${highX}" y1="${(barY + 4).toFixed(1)}" x2="${highX}" y2="${(barY + BAR_HEIGHT - 4).toFixed(1)}" stroke="${COLORS.whisker}"/>`,
      );
      textX = Math.max(textX, x(bar.high));
    }
    parts.push(
      `<text x="${(textX + 6).toFixed(1)}" y="${(barY + 12).toFixed(1)}" font-size="11">${escapeXml(formatNumber(bar.value))}</text>`,
    );
  });
  const caption = `${chart.unit}${chart.logScale ? ', log scale' : ''}; ${chart.better} is better; grey: baseline; whiskers: min–max`;
  parts.push(
    `<text x="${labelWidth}" y="${plotBottom + 34}" font-size="11" fill="#555">${escapeXml(caption)}</text>`,
  );

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeXml(chart.title)}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" fill="${COLORS.text}">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...parts,
    '</svg>',
  ].join('\n');
}
