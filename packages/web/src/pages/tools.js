// @ts-check
import { Base64Error, decodeBase64, encodeBase64 } from '../lib/base64.js';
import { announce, h, notice, pageHeading, replaceChildren } from '../lib/dom.js';
import { formatDuration, formatLocal, formatRelative } from '../lib/format.js';
import { CLAIMS, decodeJwt, HEADER_PARAMETERS, JwtDecodeError, lintJwt, TIME_CLAIMS } from '../lib/jwt.js';
import { KeyInputError, parseKeyInput, pickJwk, verifySignature } from '../lib/jwt-verify.js';
import { describeInstant, parseTimestamp, TimestampError } from '../lib/timestamp.js';
import { revealText, userText } from '../lib/user-text.js';

/**
 * `/tools`: a JWT decoder, base64/base64url and Unix-time converters. Everything runs in the page;
 * the only request this page can make is fetching the server's public JWKS, and only when asked.
 */

let uid = 0;
/** @param {string} prefix */
const nextId = (prefix) => `${prefix}-${++uid}`;

/** @param {unknown} value */
function show(value) {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * A labelled textarea.
 *
 * @param {{ label: string, name: string, rows?: number, hint?: string, readonly?: boolean }} options
 */
function textArea(options) {
  const id = nextId(options.name);
  const hintId = options.hint ? `${id}-hint` : undefined;
  const input = h('textarea', {
    id,
    name: options.name,
    rows: options.rows ?? 4,
    spellcheck: 'false',
    autocomplete: 'off',
    autocapitalize: 'off',
    readonly: options.readonly,
    'aria-describedby': hintId,
  });
  const wrapper = h(
    'div',
    { class: 'field' },
    h('label', { for: id }, options.label),
    input,
    options.hint ? h('p', { class: 'hint', id: hintId }, options.hint) : null,
  );
  return { wrapper, input };
}

/** @param {import('../main.js').App} app */
function jwtSection(app) {
  const token = textArea({
    label: 'Token',
    name: 'jwt',
    rows: 5,
    hint: 'Decoded right here in your browser: the token is not sent anywhere.',
  });
  const summary = h('div', { class: 'form-result', 'aria-live': 'polite', id: 'jwt-summary' });
  const output = h('div', { class: 'jwt-output' });
  const verifyResult = h('div', { class: 'form-result', 'aria-live': 'polite', id: 'jwt-verify-result' });
  const keyInput = textArea({
    label: 'Public key: JWK, JWK Set or PEM',
    name: 'jwt-key',
    rows: 4,
    hint: 'For HS256, an "oct" JWK holding the shared secret.',
  });
  /** @type {import('../lib/jwt.js').DecodedJwt | null} */
  let decoded = null;
  /** @type {{ element: HTMLElement, at: number, claim: string }[]} */
  let countdowns = [];

  function tick() {
    const now = Date.now();
    for (const { element, at, claim } of countdowns) {
      const delta = at - now;
      if (claim === 'exp')
        element.textContent =
          delta > 0 ? `expires in ${formatDuration(delta)}` : `expired ${formatDuration(delta)} ago`;
      else if (claim === 'nbf')
        element.textContent =
          delta > 0 ? `valid in ${formatDuration(delta)}` : `valid since ${formatDuration(delta)}`;
      else element.textContent = delta > 0 ? `in ${formatDuration(delta)}` : `${formatDuration(delta)} ago`;
    }
  }
  const interval = setInterval(tick, 1000);
  app.onLeave(() => clearInterval(interval));

  /**
   * @param {string} caption
   * @param {string} kind
   * @param {Record<string, unknown>} values
   * @param {Readonly<Record<string, { name: string, text: string }>>} docs
   */
  function claimTable(caption, kind, values, docs) {
    const rows = Object.entries(values).map(([name, value]) => {
      const doc = docs[name];
      /** @type {(Node | string)[]} */
      const valueCell = [h('code', {}, userText(show(value)))];
      if (TIME_CLAIMS.includes(name) && typeof value === 'number' && Number.isFinite(value)) {
        const at = value * 1000;
        const countdown = h('span', { class: 'countdown', role: 'timer', 'aria-live': 'off' });
        countdowns.push({ element: countdown, at, claim: name });
        valueCell.push(
          h('br'),
          h('time', { datetime: new Date(at).toISOString(), class: 'local-time' }, formatLocal(at)),
          h('br'),
          countdown,
        );
      }
      return h(
        'tr',
        { 'data-name': name },
        h(
          'th',
          { scope: 'row' },
          h('code', {}, userText(name)),
          doc ? h('span', { class: 'claim-name' }, doc.name) : null,
        ),
        h('td', {}, ...valueCell),
        h(
          'td',
          { class: 'meaning' },
          doc?.text ??
            (kind === 'claim'
              ? 'Not a registered claim: application-specific.'
              : 'Not a registered parameter.'),
        ),
      );
    });
    return h(
      'div',
      { class: 'table-scroll', role: 'region', 'aria-label': caption, tabindex: 0 },
      h(
        'table',
        { class: 'claims', 'data-part': kind },
        h('caption', {}, caption),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Name'),
            h('th', { scope: 'col' }, 'Value'),
            h('th', { scope: 'col' }, 'Meaning'),
          ),
        ),
        h('tbody', {}, ...rows),
      ),
    );
  }

  function decode() {
    countdowns = [];
    replaceChildren(verifyResult);
    if (token.input.value.trim() === '') {
      decoded = null;
      replaceChildren(summary);
      replaceChildren(output);
      return;
    }
    try {
      decoded = decodeJwt(token.input.value);
    } catch (error) {
      decoded = null;
      replaceChildren(
        summary,
        notice('error', error instanceof JwtDecodeError ? error.message : 'Could not decode that.'),
      );
      replaceChildren(output);
      return;
    }
    try {
      render(decoded);
    } catch {
      // Whatever the token holds, the page never shows tables of another one.
      decoded = null;
      countdowns = [];
      replaceChildren(summary, notice('error', 'This token holds a value the page cannot show.'));
      replaceChildren(output);
    }
  }

  /** @param {import('../lib/jwt.js').DecodedJwt} decoded */
  function render(decoded) {
    const now = Date.now();
    const warnings = lintJwt(decoded, now);
    const { header, payload } = decoded;
    const exp = payload && typeof payload.exp === 'number' ? payload.exp * 1000 : null;
    replaceChildren(
      summary,
      notice(
        'info',
        `Decoded (not verified): ${revealText(show(header.alg ?? 'no alg'))}${typeof header.kid === 'string' ? `, key ${revealText(header.kid)}` : ''}${
          exp === null ? '' : exp > now ? `, expires ${formatRelative(exp, now)}` : ', expired'
        }.`,
      ),
    );
    replaceChildren(
      output,
      warnings.length > 0
        ? h(
            'ul',
            { class: 'warnings', 'aria-label': 'Warnings' },
            ...warnings.map((warning) => h('li', {}, warning)),
          )
        : null,
      claimTable('Header', 'header', header, HEADER_PARAMETERS),
      payload
        ? claimTable('Claims', 'claim', payload, CLAIMS)
        : h(
            'div',
            {},
            h('h3', {}, 'Payload (not JSON)'),
            h('pre', { class: 'raw' }, userText(decoded.payloadText)),
          ),
      h(
        'details',
        {},
        h('summary', {}, 'Raw JSON'),
        h('pre', { class: 'raw' }, userText(JSON.stringify(header, null, 2))),
        h(
          'pre',
          { class: 'raw' },
          userText(payload ? JSON.stringify(payload, null, 2) : decoded.payloadText),
        ),
      ),
    );
    tick();
  }

  /** @param {() => Promise<import('../lib/jwt-verify.js').VerificationKey>} getKey @param {string} source */
  async function verify(getKey, source) {
    if (!decoded) {
      replaceChildren(verifyResult, notice('error', 'Decode a token first.'));
      return;
    }
    const current = decoded;
    try {
      const valid = await verifySignature(current, await getKey());
      if (current !== decoded) return;
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
      replaceChildren(
        verifyResult,
        notice(
          'error',
          error instanceof KeyInputError || error instanceof Base64Error
            ? error.message
            : 'Verification failed.',
        ),
      );
    }
  }

  token.input.addEventListener('input', decode);
  const kid = () => (decoded && typeof decoded.header.kid === 'string' ? decoded.header.kid : undefined);

  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'jwt-title' },
    h('h2', { id: 'jwt-title' }, 'JWT decoder'),
    token.wrapper,
    summary,
    output,
    h(
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
            onclick: () =>
              verify(async () => {
                // The one request this page makes, and only on this click: the public keys.
                const response = await fetch('/.well-known/jwks.json', {
                  credentials: 'omit',
                  cache: 'no-store',
                });
                if (!response.ok)
                  throw new KeyInputError(`The server's JWKS could not be fetched (${response.status}).`);
                return { kind: 'jwk', jwk: pickJwk(await response.json(), kid()) };
              }, "this server's key"),
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
    ),
  );
}

function base64Section() {
  const input = textArea({ label: 'Input', name: 'base64-input', rows: 3 });
  const output = textArea({ label: 'Result', name: 'base64-output', rows: 3, readonly: true });
  const result = h('div', { class: 'form-result', 'aria-live': 'polite', id: 'base64-result' });
  const variantName = nextId('variant');
  const urlSafe = h('input', { type: 'radio', name: variantName, value: 'url', id: `${variantName}-url` });
  const standard = h('input', {
    type: 'radio',
    name: variantName,
    value: 'standard',
    id: `${variantName}-std`,
    checked: true,
  });

  function encode() {
    output.input.value = encodeBase64(input.input.value, { url: urlSafe.checked });
    replaceChildren(
      result,
      notice('success', `Encoded ${new TextEncoder().encode(input.input.value).length} bytes.`),
    );
  }

  function decode() {
    try {
      const decoded = decodeBase64(input.input.value);
      if (decoded.text === null) {
        output.input.value = decoded.hex;
        replaceChildren(result, notice('info', `${decoded.byteLength} bytes, not UTF-8 text: shown as hex.`));
      } else {
        output.input.value = decoded.text;
        replaceChildren(result, notice('success', `Decoded ${decoded.byteLength} bytes of UTF-8.`));
      }
    } catch (error) {
      output.input.value = '';
      replaceChildren(
        result,
        notice('error', error instanceof Base64Error ? error.message : 'Could not decode that.'),
      );
    }
  }

  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'base64-title' },
    h('h2', { id: 'base64-title' }, 'Base64 and base64url'),
    input.wrapper,
    h(
      'fieldset',
      { class: 'choices' },
      h('legend', {}, 'Alphabet for encoding'),
      h(
        'span',
        { class: 'choice' },
        standard,
        h('label', { for: standard.id }, 'Standard (+/ and = padding)'),
      ),
      h(
        'span',
        { class: 'choice' },
        urlSafe,
        h('label', { for: urlSafe.id }, 'URL-safe (-_ no padding), as in JWTs'),
      ),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', onclick: encode }, 'Encode'),
      h('button', { type: 'button', class: 'button-secondary', onclick: decode }, 'Decode'),
    ),
    result,
    output.wrapper,
    h('p', { class: 'hint' }, 'Decoding accepts either alphabet, with or without padding.'),
  );
}

function timestampSection() {
  const inputId = nextId('timestamp');
  const unitId = nextId('unit');
  const input = h('input', {
    id: inputId,
    name: 'timestamp',
    type: 'text',
    inputmode: 'text',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': `${inputId}-hint`,
  });
  const unit = h(
    'select',
    { id: unitId, name: 'unit' },
    h('option', { value: 'auto' }, 'Automatic'),
    h('option', { value: 'seconds' }, 'Seconds'),
    h('option', { value: 'milliseconds' }, 'Milliseconds'),
  );
  const result = h('div', { class: 'form-result', 'aria-live': 'polite', id: 'timestamp-result' });

  function convert() {
    if (input.value.trim() === '') {
      replaceChildren(result);
      return;
    }
    try {
      const { ms, readAs } = parseTimestamp(
        input.value,
        /** @type {import('../lib/timestamp.js').TimestampUnit} */ (unit.value),
      );
      const instant = describeInstant(ms);
      replaceChildren(
        result,
        h(
          'dl',
          { class: 'details' },
          h('dt', {}, 'Read as'),
          h('dd', {}, readAs),
          h('dt', {}, 'Unix seconds'),
          h('dd', {}, h('code', { 'data-field': 'seconds' }, String(instant.seconds))),
          h('dt', {}, 'Unix milliseconds'),
          h('dd', {}, h('code', { 'data-field': 'milliseconds' }, String(instant.milliseconds))),
          h('dt', {}, 'ISO 8601 (UTC)'),
          h('dd', {}, h('code', { 'data-field': 'iso' }, instant.iso)),
          h('dt', {}, 'Local time'),
          h('dd', { 'data-field': 'local' }, formatLocal(ms)),
          h('dt', {}, 'Relative'),
          h('dd', {}, formatRelative(ms, Date.now())),
        ),
      );
    } catch (error) {
      replaceChildren(
        result,
        notice('error', error instanceof TimestampError ? error.message : 'Could not read that.'),
      );
    }
  }

  input.addEventListener('input', convert);
  unit.addEventListener('change', convert);

  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'timestamp-title' },
    h('h2', { id: 'timestamp-title' }, 'Unix time'),
    h(
      'div',
      { class: 'inline-form' },
      h('div', { class: 'field' }, h('label', { for: inputId }, 'Timestamp or date'), input),
      h('div', { class: 'field field-narrow' }, h('label', { for: unitId }, 'Number is in'), unit),
      h(
        'button',
        {
          type: 'button',
          class: 'button-secondary',
          onclick: () => {
            input.value = String(Math.floor(Date.now() / 1000));
            unit.value = 'seconds';
            convert();
            announce('Filled in the current time.');
          },
        },
        'Now',
      ),
    ),
    h(
      'p',
      { class: 'hint', id: `${inputId}-hint` },
      'Seconds (1767225600), milliseconds (1767225600000) or a date (2026-01-01T00:00:00Z).',
    ),
    result,
  );
}

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
