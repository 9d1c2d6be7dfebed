// @ts-check
import { h, pageHeading, replaceChildren } from '../lib/dom.js';
import { base64Section } from './tools/base64-section.js';
import { jwtSection } from './tools/jwt-section.js';
import { timestampSection } from './tools/timestamp-section.js';

/**
 * `/tools`: a JWT decoder, base64/base64url and Unix-time converters. Everything runs in the page;
 * the only request this page can make is fetching the server's public JWKS, and only when asked.
 */

/** @param {import('../main.js').App} app */
export function renderTools(app) {
  replaceChildren(
    app.main,
    pageHeading('Token tools'),
    h(
      'p',
      { class: 'lead' },
      'Everything on this page runs in your browser. Nothing you paste here leaves it.',
    ),
    jwtSection(app),
    base64Section(),
    timestampSection(),
  );
}
