import type { Mailer, MailMessage } from '@gatehouse/core';

export interface OutboxMailer extends Mailer {
  /** The messages kept, oldest first. They hold live reset links: show them to admins only. */
  messages(): MailMessage[];
  clear(): void;
}

const DEFAULT_CAPACITY = 100;

/**
 * Keeps messages in memory instead of sending them: tests read them, and so can an admin screen.
 * Bounded, dropping the oldest, so a flood of reset requests cannot grow it without limit.
 */
export function createOutboxMailer(options: { capacity?: number } = {}): OutboxMailer {
  const { capacity = DEFAULT_CAPACITY } = options;
  if (!Number.isSafeInteger(capacity) || capacity < 1) throw new TypeError('outbox: capacity must be >= 1');
  let kept: MailMessage[] = [];
  return {
    async send(message) {
      kept.push({ to: message.to, subject: message.subject, text: message.text });
      if (kept.length > capacity) kept = kept.slice(-capacity);
    },
    messages: () => kept.map((message) => ({ ...message })),
    clear() {
      kept = [];
    },
  };
}
