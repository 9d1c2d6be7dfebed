// @ts-check
import { Base64Error, decodeBase64, encodeBase64 } from '../../lib/base64.js';
import { h, notice, replaceChildren } from '../../lib/dom.js';
import { nextId, textArea } from './text-area.js';

/** Base64 and base64url: encode with either alphabet, decode either. */
export function base64Section() {
  const input = textArea({ label: 'Input', name: 'base64-input', rows: 3 });
  const output = textArea({ label: 'Result', name: 'base64-output', rows: 3, readonly: true });
  const result = h('div', { class: 'form-result', 'aria-live': 'polite', id: 'base64-result' });
  const variantName = nextId('variant');
  const urlSafe = h('input', { type: 'radio', name: variantName, value: 'url', id: `${variantName}-url` });
  const standard = h('input', {
    type: 'radio',
    name: variantName,
    value: 'standard',
    id: `${variantName}-std`,
    checked: true,
  });

  function encode() {
    output.input.value = encodeBase64(input.input.value, { url: urlSafe.checked });
    replaceChildren(
      result,
      notice('success', `Encoded ${new TextEncoder().encode(input.input.value).length} bytes.`),
    );
  }

  function decode() {
    try {
      const decoded = decodeBase64(input.input.value);
      if (decoded.text === null) {
        output.input.value = decoded.hex;
        replaceChildren(result, notice('info', `${decoded.byteLength} bytes, not UTF-8 text: shown as hex.`));
      } else {
        output.input.value = decoded.text;
        replaceChildren(result, notice('success', `Decoded ${decoded.byteLength} bytes of UTF-8.`));
      }
    } catch (error) {
      output.input.value = '';
      replaceChildren(
        result,
        notice('error', error instanceof Base64Error ? error.message : 'Could not decode that.'),
      );
    }
  }

  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'base64-title' },
    h('h2', { id: 'base64-title' }, 'Base64 and base64url'),
    input.wrapper,
    h(
      'fieldset',
      { class: 'choices' },
      h('legend', {}, 'Alphabet for encoding'),
      h(
        'span',
        { class: 'choice' },
        standard,
        h('label', { for: standard.id }, 'Standard (+/ and = padding)'),
      ),
      h(
        'span',
        { class: 'choice' },
        urlSafe,
        h('label', { for: urlSafe.id }, 'URL-safe (-_ no padding), as in JWTs'),
      ),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', onclick: encode }, 'Encode'),
      h('button', { type: 'button', class: 'button-secondary', onclick: decode }, 'Decode'),
    ),
    result,
    output.wrapper,
    h('p', { class: 'hint' }, 'Decoding accepts either alphabet, with or without padding.'),
  );
}
