// @ts-check
/**
 * A few DOM helpers. Text always goes in as text nodes, never as HTML, so nothing a server or a
 * pasted token contains can become markup. No `style` attributes either: the CSP forbids them.
 */

/** @typedef {Node | string | number | null | undefined | false} Child */
/** @typedef {Record<string, string | number | boolean | null | undefined | ((event: any) => void)>} Attributes */

/**
 * @param {Element} element
 * @param {Attributes} attributes
 */
function applyAttributes(element, attributes) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') {
      element.addEventListener(name.replace(/^on/, '').toLowerCase(), value);
    } else if (value === true) {
      element.setAttribute(name, '');
    } else {
      element.setAttribute(name, String(value));
    }
  }
}

/**
 * @param {Element} element
 * @param {Child[]} children
 */
function append(element, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'number' ? String(child) : child);
  }
}

/**
 * Creates an HTML element: `h('button', { type: 'button', onclick: go }, 'Go')`.
 *
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attributes} [attributes]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  applyAttributes(element, attributes);
  append(element, /** @type {Child[]} */ (children.flat()));
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * Creates an SVG element (presentation via attributes and classes, never `style`).
 *
 * @template {keyof SVGElementTagNameMap} K
 * @param {K} tag
 * @param {Attributes} [attributes]
 * @param {...(Child | Child[])} children
 * @returns {SVGElementTagNameMap[K]}
 */
export function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  applyAttributes(element, attributes);
  append(element, /** @type {Child[]} */ (children.flat()));
  return element;
}

/**
 * Replaces the children of `element`.
 *
 * @param {Element} element
 * @param {...(Child | Child[])} children
 */
export function replaceChildren(element, ...children) {
  element.replaceChildren();
  append(element, /** @type {Child[]} */ (children.flat()));
}

/**
 * Says something to screen readers through the page's polite live region.
 *
 * @param {string} message
 */
export function announce(message) {
  const region = document.getElementById('status');
  if (!region) return;
  // Cleared first so that the same message twice is announced twice.
  region.textContent = '';
  setTimeout(() => {
    region.textContent = message;
  }, 50);
}

/**
 * A message box for a form or section: `role="alert"` for errors, `role="status"` otherwise.
 *
 * @param {'error' | 'info' | 'success'} kind
 * @param {string} text
 */
export function notice(kind, text) {
  return h('p', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

/**
 * A labelled form field. Returns the wrapper and the control.
 *
 * @param {{ label: string, name: string, type?: string, autocomplete?: string, required?: boolean,
 *   minlength?: number, maxlength?: number, value?: string, hint?: string, inputmode?: string,
 *   placeholder?: string }} options
 */
export function field(options) {
  const id = `field-${options.name}-${Math.random().toString(36).slice(2, 8)}`;
  const hintId = options.hint ? `${id}-hint` : undefined;
  const input = h('input', {
    id,
    name: options.name,
    type: options.type ?? 'text',
    autocomplete: options.autocomplete,
    required: options.required,
    minlength: options.minlength,
    maxlength: options.maxlength,
    value: options.value,
    inputmode: options.inputmode,
    placeholder: options.placeholder,
    'aria-describedby': hintId,
  });
  return { wrapper: fieldWrapper(id, options.label, input, options.hint), input };
}

/**
 * The wrapper of a form control: its label, the control, and the hint the control's
 * `aria-describedby` names (`<id>-hint`).
 *
 * @param {string} id the control's id
 * @param {string} label
 * @param {HTMLElement} input
 * @param {string | undefined} hint
 */
export function fieldWrapper(id, label, input, hint) {
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    input,
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
  );
}

/**
 * A page heading that takes focus, so keyboard and screen-reader users land on the new content.
 *
 * @param {string} text
 */
export function pageHeading(text) {
  return h('h1', { tabindex: -1, class: 'page-title' }, text);
}

/** @param {HTMLElement} root */
export function focusHeading(root) {
  const heading = root.querySelector('h1');
  if (heading instanceof HTMLElement) heading.focus({ preventScroll: false });
}
