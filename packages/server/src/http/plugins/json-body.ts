import { InvalidInputError } from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';

/**
 * Bodies must be JSON. Refusing text/plain and form bodies (415) also shuts the "simple request"
 * door that classic CSRF uses: a cross-site form cannot send `application/json`.
 */
export function acceptJsonBodiesOnly(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  // Fastify's parser rejects `__proto__` and `constructor.prototype` keys (prototype poisoning).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    // `fetch` callers often set the JSON content type on an empty POST (logout): treat it as no body.
    if (body.length === 0) {
      done(null, undefined);
      return;
    }
    // parseAs 'string' always yields a string; the types do not narrow it.
    parseJson(request, body.toString(), done);
  });
}

/** The request body as a plain object; anything else (array, string, null, missing) is a 400. */
export function readJsonObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidInputError('body must be a JSON object');
  }
  return body as Record<string, unknown>;
}
