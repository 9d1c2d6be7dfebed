import type { Mailer } from '../mail/mailer.ts';

export interface PasswordResetOptions {
  mailer: Mailer;
  /**
   * The link in the message is this followed by the token. It must put the token in the URL
   * fragment (`https://id.example.com/reset#token=`): a fragment is never sent to a server, so the
   * token stays out of access logs and Referer headers.
   */
  linkPrefix: string;
  /** How long a token works. Default 15 minutes; between 1 minute and 24 hours. */
  tokenTtlMs?: number;
  /** Told when a message could not be handed to the mailer (it is also audited). */
  onMailError?: (error: unknown) => void;
}

/** The options once checked, with the default token lifetime filled in. */
export type PasswordResetSettings = Required<Omit<PasswordResetOptions, 'onMailError'>> &
  Pick<PasswordResetOptions, 'onMailError'>;

export const DEFAULT_RESET_TOKEN_TTL_MS = 15 * 60_000;

/** Validates the options eagerly: a bad link prefix stops the start, not the first reset. */
export function resolvePasswordResetOptions(options: PasswordResetOptions): PasswordResetSettings {
  const { mailer, linkPrefix, tokenTtlMs = DEFAULT_RESET_TOKEN_TTL_MS } = options;
  if (typeof mailer?.send !== 'function') throw new TypeError('password reset: mailer.send is required');
  let url: URL;
  try {
    url = new URL(linkPrefix);
  } catch {
    throw new TypeError('password reset: linkPrefix must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new TypeError('password reset: linkPrefix must be an http(s) URL');
  if (!linkPrefix.includes('#'))
    throw new TypeError(
      'password reset: linkPrefix must end in a fragment (…#token=) so the token never reaches a server',
    );
  if (!Number.isSafeInteger(tokenTtlMs) || tokenTtlMs < 60_000 || tokenTtlMs > 24 * 60 * 60_000)
    throw new TypeError('password reset: tokenTtlMs must be between 1 minute and 24 hours');
  return { mailer, linkPrefix, tokenTtlMs, onMailError: options.onMailError };
}
