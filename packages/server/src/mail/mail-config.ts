import type { SettingSpec } from '../setting-spec.ts';

export interface MailSettings {
  /** `console`: print messages to stdout (never to the logs); `outbox`: keep them in memory. */
  mailer: 'console' | 'outbox';
  /** The password-reset link is this followed by the token, which lands in the URL fragment. */
  resetUrl: string;
}

/** The rows `config.ts` adds to its settings table (`--help`, flag parsing). */
export const mailSettingSpecs: readonly SettingSpec[] = [
  {
    env: 'GATEHOUSE_MAILER',
    flag: '--mailer',
    description:
      'How mail (password-reset links) leaves: console (printed to stdout, never into the logs) or outbox (kept in memory, for tests and admins).',
    defaultText: 'console',
  },
  {
    env: 'GATEHOUSE_RESET_URL',
    flag: '--reset-url',
    description:
      'Start of the password-reset link; the token is appended, so it must end in a fragment (…#token=), which browsers never send to a server.',
    defaultText: '<issuer>/reset#token=',
  },
];

/**
 * Reads the mail settings through `config.ts`'s reader (flag, then env). `makeError` builds its
 * ConfigError, so a bad value names its setting like every other.
 */
export function parseMailSettings(
  read: (name: string) => string | undefined,
  issuer: string,
  makeError: (setting: string, message: string) => Error,
): MailSettings {
  const mailer = (read('GATEHOUSE_MAILER') ?? 'console').trim().toLowerCase();
  if (mailer !== 'console' && mailer !== 'outbox')
    throw makeError('GATEHOUSE_MAILER', 'GATEHOUSE_MAILER must be console or outbox');

  const resetUrl = read('GATEHOUSE_RESET_URL')?.trim() ?? `${issuer}/reset#token=`;
  let url: URL;
  try {
    url = new URL(resetUrl);
  } catch {
    throw makeError('GATEHOUSE_RESET_URL', 'GATEHOUSE_RESET_URL must be an absolute http(s) URL');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password)
    throw makeError('GATEHOUSE_RESET_URL', 'GATEHOUSE_RESET_URL must be an http(s) URL without credentials');
  // In a path or query the token would reach server logs and Referer headers; a fragment never leaves the browser.
  if (!resetUrl.includes('#'))
    throw makeError(
      'GATEHOUSE_RESET_URL',
      'GATEHOUSE_RESET_URL must end in a fragment, e.g. https://id.example.com/reset#token=',
    );
  return { mailer, resetUrl };
}
