/** One plain-text message. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/**
 * Sends mail. Core composes messages (the password-reset link) and hands them over; how they
 * travel (console, an outbox, SMTP, an API) is the server's business.
 */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}
