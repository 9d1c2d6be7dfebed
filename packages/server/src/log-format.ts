import type { LogLevel } from './config.ts';
import type { AppLoggerOptions } from './http/app.ts';

/** Fields the pretty line leaves out: the message already says them (`POST /auth/login 401 …`). */
const SAID_IN_MESSAGE = 'pid,hostname,method,url,statusCode,refusal';

/**
 * The server's logger: JSON lines when stdout is a pipe or a file (log shippers parse them), and
 * one readable, coloured line per entry when a person watches a terminal (pino-pretty, loaded only
 * then). The fields are the same either way; redaction happens before either format.
 *
 * @param destination where pretty lines go (default stdout); tests pass a collector
 */
export async function createServerLogger(
  level: LogLevel,
  terminal: boolean = process.stdout.isTTY === true,
  destination?: NodeJS.WritableStream,
): Promise<AppLoggerOptions> {
  if (!terminal) return { level };
  const { default: pretty } = await import('pino-pretty');
  return {
    level,
    stream: pretty({
      colorize: destination === undefined,
      sync: true,
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: SAID_IN_MESSAGE,
      ...(destination ? { destination } : {}),
    }),
  };
}
