// @ts-check
import { h, replaceChildren } from './dom.js';

/**
 * A destructive action in two steps: the first button only asks ("Suspend…"), the second one
 * acts ("Suspend alice@example.com now"), next to a Cancel. Focus moves to the confirming button,
 * and back to the first one on Cancel, so keyboard users never lose their place.
 *
 * @param {{
 *   label: string,
 *   ariaLabel?: string,
 *   confirmLabel: string,
 *   question?: string | HTMLElement,
 *   className?: string,
 *   onConfirm: () => Promise<void> | void,
 * }} options
 * @returns {HTMLElement}
 */
export function confirmAction(options) {
  const box = h('span', { class: 'confirm-action' });
  const idle = () => {
    const first = h(
      'button',
      {
        type: 'button',
        class: options.className ?? 'button-danger',
        'aria-label': options.ariaLabel,
        'aria-haspopup': 'true',
        onclick: ask,
      },
      options.label,
    );
    replaceChildren(box, first);
    return first;
  };
  const ask = () => {
    const confirm = h(
      'button',
      {
        type: 'button',
        class: 'button-danger',
        onclick: async () => {
          confirm.disabled = true;
          try {
            await options.onConfirm();
          } finally {
            if (box.isConnected) idle();
          }
        },
      },
      options.confirmLabel,
    );
    const cancel = h(
      'button',
      { type: 'button', class: 'button-quiet', onclick: () => idle().focus() },
      'Cancel',
    );
    replaceChildren(
      box,
      options.question ? h('span', { class: 'confirm-question', role: 'status' }, options.question) : null,
      confirm,
      cancel,
    );
    confirm.focus();
  };
  idle();
  return box;
}
