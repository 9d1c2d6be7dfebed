/** Helpers for the password-reset tests: the two requests, and the token out of the outbox. Not a test file. */
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { OutboxMailer } from '../mail/outbox-mailer.ts';
import { RESET_URL } from './test-server.ts';

export function requestReset(app: FastifyInstance, email: unknown, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url: '/auth/password/reset/request', headers, payload: { email } });
}

export function confirmReset(
  app: FastifyInstance,
  payload: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  return app.inject({ method: 'POST', url: '/auth/password/reset/confirm', headers, payload });
}

/** The token of the newest reset link mailed to `email`. */
export function resetTokenFor(outbox: OutboxMailer, email: string): string {
  const message = outbox.messages().findLast((candidate) => candidate.to === email);
  assert.ok(message, `no mail to ${email}`);
  const start = message.text.indexOf(RESET_URL);
  assert.ok(start >= 0, 'the message holds a reset link');
  const token = message.text.slice(start + RESET_URL.length).split(/\s/)[0]!;
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  return token;
}
