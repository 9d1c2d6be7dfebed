// @ts-check
import { ApiError, request } from '../../lib/api.js';
import { renderActivityChart, SERIES } from '../../lib/chart.js';
import { announce, h, replaceChildren } from '../../lib/dom.js';
import { formatRelative } from '../../lib/format.js';
import { showError } from './shared.js';

const POLL_MS = 5000;

/**
 * The totals of each series over the chart's window, and the active sessions by strategy.
 *
 * @param {import('./shared.js').Stats} stats
 */
function statsSummary(stats) {
  const totals = SERIES.map(({ key, label }) => ({
    key,
    label,
    total: stats.buckets.reduce((sum, bucket) => sum + bucket[key], 0),
  }));
  const sessions = stats.activeSessions;
  return [
    h(
      'ul',
      { class: 'legend', 'aria-label': 'Totals over the chart’s window' },
      ...totals.map(({ key, label, total }) =>
        h(
          'li',
          {},
          h('span', { class: `swatch series-${key}`, 'aria-hidden': 'true' }),
          `${label}: `,
          h('strong', {}, total),
        ),
      ),
    ),
    h(
      'p',
      {},
      'Active sessions: ',
      sessions
        ? h(
            'strong',
            { class: 'active-sessions' },
            `${sessions.session ?? 0} cookie · ${sessions.hybrid ?? 0} hybrid · ${sessions.token ?? 0} token`,
          )
        : 'unavailable',
    ),
  ];
}

/** @param {import('./shared.js').AlertView[]} alerts */
function alertList(alerts) {
  return [
    h('h3', {}, 'Recent alerts'),
    alerts.length === 0
      ? h('p', { class: 'empty' }, 'No alerts since this server started.')
      : h(
          'ul',
          { class: 'alerts' },
          ...alerts.map((alert) =>
            h(
              'li',
              {},
              h('strong', {}, alert.kind.replaceAll('_', ' ')),
              ` · ${alert.count} in the bucket (threshold ${alert.threshold}, baseline ${alert.baseline}) · `,
              h('time', { datetime: alert.at }, formatRelative(Date.parse(alert.at), Date.now())),
            ),
          ),
        ),
  ];
}

/** A button that toggles `paused`, saying which state it is in. @param {(paused: boolean) => void} onToggle */
function pauseButton(onToggle) {
  let paused = false;
  const button = h(
    'button',
    { type: 'button', class: 'button-secondary', 'aria-pressed': 'false' },
    'Pause updates',
  );
  button.addEventListener('click', () => {
    paused = !paused;
    button.textContent = paused ? 'Resume updates' : 'Pause updates';
    button.setAttribute('aria-pressed', String(paused));
    announce(paused ? 'Updates paused.' : 'Updates resumed.');
    onToggle(paused);
  });
  return button;
}

/**
 * Live activity: polls `GET /admin/stats` every few seconds while the page is visible, and can be
 * paused (moving content must be stoppable).
 *
 * @param {import('../../main.js').App} app
 */
export function activitySection(app) {
  const chartBox = h('div', { class: 'chart-box' });
  const summary = h('div', { class: 'stats-summary' });
  const alertsBox = h('div', {});
  const result = h('div', { class: 'form-result' });
  const updated = h('p', { class: 'hint', 'aria-live': 'off' });
  let paused = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;

  /** @param {import('./shared.js').Stats} stats */
  function draw(stats) {
    replaceChildren(chartBox, renderActivityChart(stats.buckets, stats.bucketSeconds));
    replaceChildren(summary, ...statsSummary(stats));
    replaceChildren(alertsBox, ...alertList(stats.alerts));
    updated.textContent = `Updated ${new Date(stats.now).toLocaleTimeString()}.`;
  }

  async function poll() {
    timer = undefined;
    if (!paused && !document.hidden) {
      try {
        draw(await request('GET', '/admin/stats'));
        replaceChildren(result);
      } catch (error) {
        showError(error, result);
        if (error instanceof ApiError && error.status === 401) return;
      }
    }
    timer = setTimeout(poll, POLL_MS);
  }

  const pause = pauseButton((value) => {
    paused = value;
  });
  app.onLeave(() => clearTimeout(timer));
  poll();

  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'activity-title' },
    h('h2', { id: 'activity-title' }, 'Live activity'),
    h(
      'p',
      { class: 'hint' },
      `This server, last ten minutes, refreshed every ${POLL_MS / 1000} seconds. Red lines mark alerts.`,
    ),
    h('div', { class: 'toolbar' }, pause),
    result,
    chartBox,
    summary,
    updated,
    alertsBox,
  );
}
