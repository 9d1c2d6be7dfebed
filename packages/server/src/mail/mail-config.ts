import { ConfigError } from '../config/config-error.ts';
import { oneOf } from '../config/parsers.ts';
import { type SettingValues, setting } from '../config/setting.ts';

/** The mail settings: rows of the settings table (`--help`, flags, docs), read by `config.ts`. */
export const mailSettings = {
  /** `console`: print messages to stdout (never to the logs); `outbox`: keep them in memory. */
  mailer: setting<'console' | 'outbox'>({
    env: 'GATEHOUSE_MAILER',
    flag: '--mailer',
    description:
      'How mail (password-reset links) leaves: console (printed to stdout, never into the logs) or outbox (kept in memory, for tests and admins).',
    parse: oneOf(['console', 'outbox'], 'console or outbox'),
    fallback: 'console',
  }),
  /** The password-reset link is this followed by the token, which lands in the URL fragment. */
  resetUrl: setting({
    env: 'GATEHOUSE_RESET_URL',
    flag: '--reset-url',
    description:
      'Start of the password-reset link; the token is appended, so it must end in a fragment (…#token=), which browsers never send to a server.',
    defaultText: '<issuer>/reset#token=',
    parse: parseResetUrl,
    fallback: ({ issuer }) => `${issuer}/reset#token=`,
  }),
};

export type MailSettings = SettingValues<typeof mailSettings>;

function parseResetUrl(text: string, name: string): string {
  const resetUrl = text.trim();
  let url: URL;
  try {
    url = new URL(resetUrl);
  } catch {
    throw new ConfigError(name, `${name} must be an absolute http(s) URL`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password)
    throw new ConfigError(name, `${name} must be an http(s) URL without credentials`);
  // In a path or query the token would reach server logs and Referer headers; a fragment never leaves the browser.
  if (!resetUrl.includes('#'))
    throw new ConfigError(name, `${name} must end in a fragment, e.g. https://id.example.com/reset#token=`);
  return resetUrl;
}
