// @ts-check
import { h } from './dom.js';

/**
 * Text that users or tokens supply (emails, user agents, IP addresses, claim values) shown so that
 * it can only ever look like itself: its direction is isolated from the text around it (`<bdi>`,
 * `dir="auto"`), and characters that are invisible or reorder text (Unicode categories Cf, Cc, Zl,
 * Zp, unusual spaces, blank fillers) are shown as visible `⟨U+202E⟩` markers. A right-to-left
 * override cannot scramble the line it sits in, and `admin@example.com` followed by a zero-width
 * space no longer looks like `admin@example.com`.
 */

const HIDDEN =
  /[\p{Cf}\p{Cc}\p{Zl}\p{Zp}\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000\u115F\u1160\u3164\uFFA0\u2800]/gu;

/** @param {string} character */
function codePoint(character) {
  return `U+${character.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** True when `text` holds a character `revealText` would mark. @param {string} text */
export function hasHiddenCharacters(text) {
  HIDDEN.lastIndex = 0;
  return HIDDEN.test(text);
}

/**
 * `text` with each hidden character replaced by a visible marker, as a plain string (for
 * labels, notices and announcements).
 *
 * @param {string} text
 */
export function revealText(text) {
  return text.replace(HIDDEN, (character) => `⟨${codePoint(character)}⟩`);
}

/**
 * An isolated, revealed piece of user-supplied text: `<bdi dir="auto">`, with each hidden
 * character as a `<span class="hidden-char">` marker.
 *
 * @param {unknown} value shown with `String(value)`
 * @param {{ class?: string }} [options]
 * @returns {HTMLElement}
 */
export function userText(value, options = {}) {
  const text = String(value);
  /** @type {(string | HTMLElement)[]} */
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(HIDDEN)) {
    const index = match.index ?? 0;
    if (index > last) parts.push(text.slice(last, index));
    const name = codePoint(match[0]);
    parts.push(h('span', { class: 'hidden-char', title: `invisible character ${name}` }, `⟨${name}⟩`));
    last = index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return h(
    'bdi',
    {
      dir: 'auto',
      class:
        [options.class, parts.some((part) => typeof part !== 'string') ? 'has-hidden-chars' : null]
          .filter(Boolean)
          .join(' ') || undefined,
    },
    ...parts,
  );
}
