// @ts-check
import { fieldWrapper, h } from '../../lib/dom.js';

let uid = 0;
/** A page-unique id starting with `prefix`. @param {string} prefix */
export const nextId = (prefix) => `${prefix}-${++uid}`;

/**
 * A labelled textarea.
 *
 * @param {{ label: string, name: string, rows?: number, hint?: string, readonly?: boolean }} options
 */
export function textArea(options) {
  const id = nextId(options.name);
  const hintId = options.hint ? `${id}-hint` : undefined;
  const input = h('textarea', {
    id,
    name: options.name,
    rows: options.rows ?? 4,
    spellcheck: 'false',
    autocomplete: 'off',
    autocapitalize: 'off',
    readonly: options.readonly,
    'aria-describedby': hintId,
  });
  return { wrapper: fieldWrapper(id, options.label, input, options.hint), input };
}
