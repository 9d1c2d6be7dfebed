// @ts-check
import { announce, h, notice, replaceChildren } from '../../lib/dom.js';
import { formatLocal, formatRelative } from '../../lib/format.js';
import { describeInstant, parseTimestamp, TimestampError } from '../../lib/timestamp.js';
import { nextId } from './text-area.js';

/**
 * An instant as Unix seconds and milliseconds, ISO 8601, local and relative time.
 *
 * @param {number} ms
 * @param {string} readAs how the input was read
 */
function instantDetails(ms, readAs) {
  const instant = describeInstant(ms);
  return h(
    'dl',
    { class: 'details' },
    h('dt', {}, 'Read as'),
    h('dd', {}, readAs),
    h('dt', {}, 'Unix seconds'),
    h('dd', {}, h('code', { 'data-field': 'seconds' }, String(instant.seconds))),
    h('dt', {}, 'Unix milliseconds'),
    h('dd', {}, h('code', { 'data-field': 'milliseconds' }, String(instant.milliseconds))),
    h('dt', {}, 'ISO 8601 (UTC)'),
    h('dd', {}, h('code', { 'data-field': 'iso' }, instant.iso)),
    h('dt', {}, 'Local time'),
    h('dd', { 'data-field': 'local' }, formatLocal(ms)),
    h('dt', {}, 'Relative'),
    h('dd', {}, formatRelative(ms, Date.now())),
  );
}

/** Unix time: a timestamp or a date, read as seconds, milliseconds or a date, shown every way. */
export function timestampSection() {
  const inputId = nextId('timestamp');
  const unitId = nextId('unit');
  const input = h('input', {
    id: inputId,
    name: 'timestamp',
    type: 'text',
    inputmode: 'text',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': `${inputId}-hint`,
  });
  const unit = h(
    'select',
    { id: unitId, name: 'unit' },
    h('option', { value: 'auto' }, 'Automatic'),
    h('option', { value: 'seconds' }, 'Seconds'),
    h('option', { value: 'milliseconds' }, 'Milliseconds'),
  );
  const result = h('div', { class: 'form-result', 'aria-live': 'polite', id: 'timestamp-result' });

  function convert() {
    if (input.value.trim() === '') {
      replaceChildren(result);
      return;
    }
    try {
      const { ms, readAs } = parseTimestamp(
        input.value,
        /** @type {import('../../lib/timestamp.js').TimestampUnit} */ (unit.value),
      );
      replaceChildren(result, instantDetails(ms, readAs));
    } catch (error) {
      replaceChildren(
        result,
        notice('error', error instanceof TimestampError ? error.message : 'Could not read that.'),
      );
    }
  }

  function fillNow() {
    input.value = String(Math.floor(Date.now() / 1000));
    unit.value = 'seconds';
    convert();
    announce('Filled in the current time.');
  }

  input.addEventListener('input', convert);
  unit.addEventListener('change', convert);

  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'timestamp-title' },
    h('h2', { id: 'timestamp-title' }, 'Unix time'),
    h(
      'div',
      { class: 'inline-form' },
      h('div', { class: 'field' }, h('label', { for: inputId }, 'Timestamp or date'), input),
      h('div', { class: 'field field-narrow' }, h('label', { for: unitId }, 'Number is in'), unit),
      h('button', { type: 'button', class: 'button-secondary', onclick: fillNow }, 'Now'),
    ),
    h(
      'p',
      { class: 'hint', id: `${inputId}-hint` },
      'Seconds (1767225600), milliseconds (1767225600000) or a date (2026-01-01T00:00:00Z).',
    ),
    result,
  );
}
