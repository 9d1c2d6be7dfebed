// @ts-check
import { svg } from './dom.js';

/**
 * The admin page's live chart, drawn as SVG: one line per series, a marker where alerts fired.
 * Colours come from classes in styles/chart.css (the CSP allows no inline style).
 *
 * @typedef {{ start: string, loginSuccess: number, loginFailure: number, refreshSuccess: number,
 *   refreshFailure: number, throttled: number, alerts: number }} ActivityBucket
 */

/** @type {readonly { key: Exclude<keyof ActivityBucket, 'start' | 'alerts'>, label: string }[]} */
export const SERIES = [
  { key: 'loginSuccess', label: 'Sign-ins' },
  { key: 'loginFailure', label: 'Failed sign-ins' },
  { key: 'refreshSuccess', label: 'Refreshes' },
  { key: 'refreshFailure', label: 'Failed refreshes' },
  { key: 'throttled', label: 'Throttled (429)' },
];

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { top: 12, right: 12, bottom: 24, left: 36 };

/** A round upper bound for the y axis: 1, 2, 5, 10, 20, 50, ... */
export function niceMax(/** @type {number} */ value) {
  if (value <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

/**
 * Points of one series, for a `<polyline>`.
 *
 * @param {readonly number[]} values
 * @param {number} max
 */
export function toPoints(values, max) {
  const innerWidth = WIDTH - PAD.left - PAD.right;
  const innerHeight = HEIGHT - PAD.top - PAD.bottom;
  const step = values.length > 1 ? innerWidth / (values.length - 1) : 0;
  return values
    .map((value, index) => {
      const x = PAD.left + index * step;
      const y = PAD.top + innerHeight - (value / max) * innerHeight;
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}

/**
 * Draws the chart into a fresh `<svg>` (role img, titled and described for screen readers; the
 * page also shows the same figures as a table).
 *
 * @param {readonly ActivityBucket[]} buckets oldest first
 * @param {number} bucketSeconds
 * @returns {SVGSVGElement}
 */
export function renderActivityChart(buckets, bucketSeconds) {
  const max = niceMax(Math.max(0, ...buckets.flatMap((bucket) => SERIES.map(({ key }) => bucket[key]))));
  const innerWidth = WIDTH - PAD.left - PAD.right;
  const innerHeight = HEIGHT - PAD.top - PAD.bottom;
  const step = buckets.length > 1 ? innerWidth / (buckets.length - 1) : 0;
  const minutes = Math.round((buckets.length * bucketSeconds) / 60);
  const totals = SERIES.map(
    ({ key, label }) => `${label}: ${buckets.reduce((sum, bucket) => sum + bucket[key], 0)}`,
  );

  const grid = [0, 0.5, 1].flatMap((fraction) => {
    const y = PAD.top + innerHeight - fraction * innerHeight;
    return [
      svg('line', { class: 'chart-grid', x1: PAD.left, x2: WIDTH - PAD.right, y1: y, y2: y }),
      svg(
        'text',
        { class: 'chart-label', x: PAD.left - 6, y: y + 4, 'text-anchor': 'end' },
        String(max * fraction),
      ),
    ];
  });
  const alertMarks = buckets.flatMap((bucket, index) =>
    bucket.alerts > 0
      ? [
          svg(
            'line',
            {
              class: 'chart-alert',
              x1: PAD.left + index * step,
              x2: PAD.left + index * step,
              y1: PAD.top,
              y2: PAD.top + innerHeight,
            },
            svg('title', {}, `${bucket.alerts} alert(s) at ${new Date(bucket.start).toLocaleTimeString()}`),
          ),
        ]
      : [],
  );
  const lines = SERIES.map(({ key }) =>
    svg('polyline', {
      class: `chart-line series-${key}`,
      points: toPoints(
        buckets.map((bucket) => bucket[key]),
        max,
      ),
    }),
  );

  return svg(
    'svg',
    {
      class: 'chart',
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: 'img',
      'aria-labelledby': 'chart-title chart-desc',
      preserveAspectRatio: 'xMidYMid meet',
    },
    svg(
      'title',
      { id: 'chart-title' },
      `Auth outcomes, last ${minutes} minutes, per ${bucketSeconds} seconds`,
    ),
    svg(
      'desc',
      { id: 'chart-desc' },
      `${totals.join('; ')}. Alerts: ${buckets.reduce((sum, b) => sum + b.alerts, 0)}.`,
    ),
    grid,
    alertMarks,
    lines,
    svg('text', { class: 'chart-label', x: PAD.left, y: HEIGHT - 6 }, `${minutes} min ago`),
    svg('text', { class: 'chart-label', x: WIDTH - PAD.right, y: HEIGHT - 6, 'text-anchor': 'end' }, 'now'),
  );
}
