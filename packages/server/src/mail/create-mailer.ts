import type { Mailer } from '@gatehouse/core';
import { createConsoleMailer } from './console-mailer.ts';
import type { MailSettings } from './mail-config.ts';
import { createOutboxMailer, type OutboxMailer } from './outbox-mailer.ts';

/** The mailer `GATEHOUSE_MAILER` names; an outbox is also returned as one, for whoever reads it. */
export function createConfiguredMailer(settings: Pick<MailSettings, 'mailer'>): {
  mailer: Mailer;
  outbox: OutboxMailer | null;
} {
  if (settings.mailer === 'outbox') {
    const outbox = createOutboxMailer();
    return { mailer: outbox, outbox };
  }
  return { mailer: createConsoleMailer(), outbox: null };
}
