import { InvalidInputError } from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';

/**
 * `application/x-www-form-urlencoded` bodies (UTF-8), for the endpoints whose RFCs define them.
 * Registered only in their scope: everywhere else a form body stays a 415, which keeps the
 * "simple request" door of classic CSRF shut. A parameter given twice is refused (RFC 6749 §3.1).
 */
export function acceptFormBodies(app: FastifyInstance): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      const fields: Record<string, string> = Object.create(null);
      for (const [name, value] of new URLSearchParams(body.toString())) {
        if (Object.hasOwn(fields, name)) {
          done(new InvalidInputError('parameter repeated', name), undefined);
          return;
        }
        fields[name] = value;
      }
      done(null, fields);
    },
  );
}
