import type { Mailer } from '@gatehouse/core';

/**
 * Prints each message to stdout as plain text, for development and single-machine setups where an
 * operator relays the link. Written straight to the stream, never through the logger: a reset link
 * is a credential and must not land in structured logs that get shipped and kept.
 */
export function createConsoleMailer(
  write: (text: string) => void = (text) => process.stdout.write(text),
): Mailer {
  return {
    async send(message) {
      write(
        [
          `----- mail to ${message.to}: ${message.subject} -----`,
          message.text,
          '----- end of mail -----',
          '',
        ].join('\n'),
      );
    },
  };
}
