// @ts-check
import { h, notice, replaceChildren } from '../../lib/dom.js';
import { decodeJwt, JwtDecodeError } from '../../lib/jwt.js';
import { createCountdowns, decodedParts, decodedSummary } from './jwt-view.js';
import { verifyPanel } from './jwt-verify-panel.js';
import { textArea } from './text-area.js';

/**
 * The JWT decoder: decodes as you type, shows every part, and verifies the signature on request.
 *
 * @param {import('../../main.js').App} app
 */
export function jwtSection(app) {
  const token = textArea({
    label: 'Token',
    name: 'jwt',
    rows: 5,
    hint: 'Decoded right here in your browser: the token is not sent anywhere.',
  });
  const summary = h('div', { class: 'form-result', 'aria-live': 'polite', id: 'jwt-summary' });
  const output = h('div', { class: 'jwt-output' });
  const verifyResult = h('div', { class: 'form-result', 'aria-live': 'polite', id: 'jwt-verify-result' });
  /** @type {import('../../lib/jwt.js').DecodedJwt | null} */
  let decoded = null;
  const countdowns = createCountdowns();
  const interval = setInterval(countdowns.tick, 1000);
  app.onLeave(() => clearInterval(interval));

  /** @param {HTMLElement} message */
  function showFailure(message) {
    decoded = null;
    replaceChildren(summary, message);
    replaceChildren(output);
  }

  function decode() {
    countdowns.clear();
    replaceChildren(verifyResult);
    if (token.input.value.trim() === '') {
      decoded = null;
      replaceChildren(summary);
      replaceChildren(output);
      return;
    }
    try {
      decoded = decodeJwt(token.input.value);
    } catch (error) {
      showFailure(
        notice('error', error instanceof JwtDecodeError ? error.message : 'Could not decode that.'),
      );
      return;
    }
    try {
      const now = Date.now();
      replaceChildren(summary, decodedSummary(decoded, now));
      replaceChildren(output, ...decodedParts(decoded, now, countdowns));
      countdowns.tick();
    } catch {
      // Whatever the token holds, the page never shows tables of another one.
      countdowns.clear();
      showFailure(notice('error', 'This token holds a value the page cannot show.'));
    }
  }

  token.input.addEventListener('input', decode);

  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'jwt-title' },
    h('h2', { id: 'jwt-title' }, 'JWT decoder'),
    token.wrapper,
    summary,
    output,
    verifyPanel(() => decoded, verifyResult),
  );
}
