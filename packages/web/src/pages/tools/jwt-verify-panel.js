// @ts-check
import { Base64Error } from '../../lib/base64.js';
import { h, notice, replaceChildren } from '../../lib/dom.js';
import { KeyInputError, parseKeyInput, pickJwk, verifySignature } from '../../lib/jwt-verify.js';
import { textArea } from './text-area.js';

/**
 * The server's public key for the token's `kid`: the one request the tools page makes, and only
 * on a click.
 *
 * @param {() => string | undefined} kid read once the keys have arrived
 * @returns {Promise<import('../../lib/jwt-verify.js').VerificationKey>}
 */
async function serverKey(kid) {
  const response = await fetch('/.well-known/jwks.json', { credentials: 'omit', cache: 'no-store' });
  if (!response.ok) throw new KeyInputError(`The server's JWKS could not be fetched (${response.status}).`);
  return { kind: 'jwk', jwk: pickJwk(await response.json(), kid()) };
}

/**
 * "Verify the signature": against the server's key or a pasted one.
 *
 * @param {() => import('../../lib/jwt.js').DecodedJwt | null} currentToken the token decoded now
 * @param {HTMLElement} verifyResult where the verdict is shown (cleared when the token changes)
 */
export function verifyPanel(currentToken, verifyResult) {
  const keyInput = textArea({
    label: 'Public key: JWK, JWK Set or PEM',
    name: 'jwt-key',
    rows: 4,
    hint: 'For HS256, an "oct" JWK holding the shared secret.',
  });
  const kid = () => {
    const decoded = currentToken();
    return decoded && typeof decoded.header.kid === 'string' ? decoded.header.kid : undefined;
  };

  /** @param {() => Promise<import('../../lib/jwt-verify.js').VerificationKey>} getKey @param {string} source */
  async function verify(getKey, source) {
    const current = currentToken();
    if (!current) {
      replaceChildren(verifyResult, notice('error', 'Decode a token first.'));
      return;
    }
    try {
      const valid = await verifySignature(current, await getKey());
      if (current !== currentToken()) return;
      replaceChildren(
        verifyResult,
        valid
          ? notice(
              'success',
              `Signature valid: signed by ${source}. (Claims such as exp, iss and aud are shown above; check them too.)`,
            )
          : notice(
              'error',
              `Signature INVALID for ${source}: the token was altered or signed by another key.`,
            ),
      );
    } catch (error) {
      const known = error instanceof KeyInputError || error instanceof Base64Error;
      replaceChildren(verifyResult, notice('error', known ? error.message : 'Verification failed.'));
    }
  }

  return h(
    'fieldset',
    { class: 'verify' },
    h('legend', {}, 'Verify the signature'),
    h(
      'p',
      { class: 'hint' },
      'Decoding proves nothing: anyone can write a token. The signature says who wrote it. The algorithm must fit the key; "none" is never accepted.',
    ),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          id: 'verify-server',
          onclick: () => verify(() => serverKey(kid), "this server's key"),
        },
        'Verify against server',
      ),
    ),
    keyInput.wrapper,
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'button-secondary',
          onclick: () => verify(async () => parseKeyInput(keyInput.input.value, kid()), 'the pasted key'),
        },
        'Verify with this key',
      ),
    ),
    verifyResult,
  );
}
