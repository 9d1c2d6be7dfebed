// @ts-check
// How a decoded JWT is shown: a one-line summary, warnings, a table per part with a live countdown
// for each time claim, and the raw JSON.
import { h, notice } from '../../lib/dom.js';
import { formatDuration, formatLocal, formatRelative } from '../../lib/format.js';
import { CLAIMS, HEADER_PARAMETERS, lintJwt, TIME_CLAIMS } from '../../lib/jwt.js';
import { revealText, userText } from '../../lib/user-text.js';

/** @param {unknown} value */
export function show(value) {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The countdowns next to time claims (`exp`, `nbf`, `iat`, …), updated by `tick`.
 *
 * @typedef {{ add(element: HTMLElement, at: number, claim: string): void, clear(): void, tick(): void }} Countdowns
 * @returns {Countdowns}
 */
export function createCountdowns() {
  /** @type {{ element: HTMLElement, at: number, claim: string }[]} */
  let countdowns = [];
  return {
    add(element, at, claim) {
      countdowns.push({ element, at, claim });
    },
    clear() {
      countdowns = [];
    },
    tick() {
      const now = Date.now();
      for (const { element, at, claim } of countdowns) {
        const delta = at - now;
        if (claim === 'exp')
          element.textContent =
            delta > 0 ? `expires in ${formatDuration(delta)}` : `expired ${formatDuration(delta)} ago`;
        else if (claim === 'nbf')
          element.textContent =
            delta > 0 ? `valid in ${formatDuration(delta)}` : `valid since ${formatDuration(delta)}`;
        else element.textContent = delta > 0 ? `in ${formatDuration(delta)}` : `${formatDuration(delta)} ago`;
      }
    },
  };
}

/**
 * One row: the name (and its registered meaning), the value (a time claim also as local time and
 * a countdown).
 *
 * @param {string} name
 * @param {unknown} value
 * @param {string} kind 'header' or 'claim'
 * @param {{ name: string, text: string } | undefined} doc
 * @param {Countdowns} countdowns
 */
function claimRow(name, value, kind, doc, countdowns) {
  /** @type {(Node | string)[]} */
  const valueCell = [h('code', {}, userText(show(value)))];
  if (TIME_CLAIMS.includes(name) && typeof value === 'number' && Number.isFinite(value)) {
    const at = value * 1000;
    const countdown = h('span', { class: 'countdown', role: 'timer', 'aria-live': 'off' });
    countdowns.add(countdown, at, name);
    valueCell.push(
      h('br'),
      h('time', { datetime: new Date(at).toISOString(), class: 'local-time' }, formatLocal(at)),
      h('br'),
      countdown,
    );
  }
  return h(
    'tr',
    { 'data-name': name },
    h(
      'th',
      { scope: 'row' },
      h('code', {}, userText(name)),
      doc ? h('span', { class: 'claim-name' }, doc.name) : null,
    ),
    h('td', {}, ...valueCell),
    h(
      'td',
      { class: 'meaning' },
      doc?.text ??
        (kind === 'claim' ? 'Not a registered claim: application-specific.' : 'Not a registered parameter.'),
    ),
  );
}

/**
 * @param {string} caption
 * @param {string} kind
 * @param {Record<string, unknown>} values
 * @param {Readonly<Record<string, { name: string, text: string }>>} docs
 * @param {Countdowns} countdowns
 */
function claimTable(caption, kind, values, docs, countdowns) {
  const rows = Object.entries(values).map(([name, value]) =>
    claimRow(name, value, kind, docs[name], countdowns),
  );
  return h(
    'div',
    { class: 'table-scroll', role: 'region', 'aria-label': caption, tabindex: 0 },
    h(
      'table',
      { class: 'claims', 'data-part': kind },
      h('caption', {}, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Name'),
          h('th', { scope: 'col' }, 'Value'),
          h('th', { scope: 'col' }, 'Meaning'),
        ),
      ),
      h('tbody', {}, ...rows),
    ),
  );
}

/**
 * "Decoded (not verified)": the algorithm, the key id and when it expires.
 *
 * @param {import('../../lib/jwt.js').DecodedJwt} decoded
 * @param {number} now
 */
export function decodedSummary({ header, payload }, now) {
  const exp = payload && typeof payload.exp === 'number' ? payload.exp * 1000 : null;
  return notice(
    'info',
    `Decoded (not verified): ${revealText(show(header.alg ?? 'no alg'))}${typeof header.kid === 'string' ? `, key ${revealText(header.kid)}` : ''}${
      exp === null ? '' : exp > now ? `, expires ${formatRelative(exp, now)}` : ', expired'
    }.`,
  );
}

/**
 * Warnings, the header and claims tables (or the payload as text) and the raw JSON.
 *
 * @param {import('../../lib/jwt.js').DecodedJwt} decoded
 * @param {number} now
 * @param {Countdowns} countdowns
 */
export function decodedParts(decoded, now, countdowns) {
  const warnings = lintJwt(decoded, now);
  const { header, payload } = decoded;
  return [
    warnings.length > 0
      ? h(
          'ul',
          { class: 'warnings', 'aria-label': 'Warnings' },
          ...warnings.map((warning) => h('li', {}, warning)),
        )
      : null,
    claimTable('Header', 'header', header, HEADER_PARAMETERS, countdowns),
    payload
      ? claimTable('Claims', 'claim', payload, CLAIMS, countdowns)
      : h(
          'div',
          {},
          h('h3', {}, 'Payload (not JSON)'),
          h('pre', { class: 'raw' }, userText(decoded.payloadText)),
        ),
    h(
      'details',
      {},
      h('summary', {}, 'Raw JSON'),
      h('pre', { class: 'raw' }, userText(JSON.stringify(header, null, 2))),
      h('pre', { class: 'raw' }, userText(payload ? JSON.stringify(payload, null, 2) : decoded.payloadText)),
    ),
  ];
}
