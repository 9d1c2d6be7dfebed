// @ts-check
import { describeError } from './api.js';
import { notice, replaceChildren } from './dom.js';

/**
 * The submit handler every form shares: no page reload, the button disabled while `action` runs
 * (so a double click cannot send twice), the previous result cleared, and a failure shown as an
 * error notice in the form's live region.
 * @param {HTMLButtonElement} button
 * @param {HTMLElement} result the form's `aria-live` region
 * @param {() => Promise<void>} action
 * @param {() => void} [afterError] e.g. put the focus back on the field to retry
 * @returns {(event: SubmitEvent) => Promise<void>}
 */
export function onSubmit(button, result, action, afterError) {
  return async (event) => {
    event.preventDefault();
    button.disabled = true;
    replaceChildren(result);
    try {
      await action();
    } catch (error) {
      replaceChildren(result, notice('error', describeError(error)));
      afterError?.();
    } finally {
      button.disabled = false;
    }
  };
}
