// @ts-check
/**
 * How the UI signs in: `session` (an HttpOnly session cookie + CSRF token) or `hybrid` (an access
 * token in memory and a rotating refresh cookie, through @gatehouse/client). This file is the
 * default; with GATEHOUSE_UI_STRATEGY=hybrid the server answers `/ui/settings.js` itself.
 *
 * @type {'session' | 'hybrid'}
 */
export const strategy = 'session';
