import { randomBytes } from 'node:crypto';

/** The command every "secret missing" message points to. */
export const SECRETS_GENERATE_COMMAND = 'npm run gatehouse -- secrets generate';

/** One secret line: what it is for, and its fresh value. */
interface GeneratedSecret {
  env: string;
  comment: string;
  value: string;
}

function fresh(): string {
  // 32 random bytes, base64url: 43 characters, what every secret setting accepts.
  return randomBytes(32).toString('base64url');
}

/** Fresh secrets for one deployment: every instance gets the same values. */
export function generateSecrets(): GeneratedSecret[] {
  return [
    {
      env: 'GATEHOUSE_CSRF_SECRET',
      comment: 'Required with DATABASE_URL or GATEHOUSE_STORE=redis. Signs CSRF tokens.',
      value: fresh(),
    },
    {
      env: 'GATEHOUSE_KEY_ENCRYPTION_KEY',
      comment:
        'Required with DATABASE_URL or GATEHOUSE_STORE=redis. Encrypts the signing keys in the store: lose it and the keys are unreadable.',
      value: fresh(),
    },
    {
      env: 'GATEHOUSE_SERVICE_TOKEN',
      comment:
        'Services present it to /oauth/introspect and the revocation feed (optional: unset turns introspection off).',
      value: fresh(),
    },
    {
      env: 'GATEHOUSE_METRICS_TOKEN',
      comment: 'Bearer token for /metrics from other machines (optional: unset allows loopback only).',
      value: fresh(),
    },
  ];
}

/** The text `gatehouse secrets generate` prints: an env file (comments start with `#`). */
export function formatGeneratedSecrets(secrets: GeneratedSecret[] = generateSecrets()): string[] {
  const lines = [
    '# Gatehouse secrets. Every instance of this deployment needs these same values; keep them',
    '# out of the repository and out of command lines. Load them with your secret manager, an',
    '# env file (docker --env-file, systemd EnvironmentFile=), or: set -a; . ./gatehouse.env; set +a',
  ];
  for (const secret of secrets) lines.push(`# ${secret.comment}`, `${secret.env}=${secret.value}`);
  return lines;
}
