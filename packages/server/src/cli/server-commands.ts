import { writeSync } from 'node:fs';
import { startServer } from '../server.ts';
import { openStore } from '../store/open-store.ts';
import { createClientRegistry, formatClients } from '../oauth/clients.ts';
import { EXIT_FAILURE, EXIT_OK } from './cli-errors.ts';
import type { CommandInput, CommandSpec } from './command-spec.ts';
import { formatGeneratedSecrets } from './secrets-command.ts';

/** `serve` exits within this after SIGTERM/SIGINT, whatever is still running (issue 10: ≤ 10 s). */
const SHUTDOWN_DEADLINE_MS = 9_000;
/** After the signal, `/readyz` answers 503 this long before the listener closes. */
const SHUTDOWN_READINESS_DELAY_MS = 1_000;

/**
 * Ends the process now, whatever still runs. `process.exit` first waits for every worker thread to
 * stop, and a thread inside a native call stops only when the call returns: a password hash on a
 * starved SCHED_IDLE thread, or with strong stored parameters, held the exit for its seconds or
 * minutes. A process that kills itself waits for nothing (its exit status: killed by SIGKILL).
 */
function exitNow(why: string): void {
  writeSync(2, `gatehouse: ${why}: exiting now\n`);
  process.kill(process.pid, 'SIGKILL');
}

/** Returns once listening; the open server keeps the process alive. */
async function serve({ config, io }: CommandInput): Promise<number> {
  const server = await startServer(config());
  io.out(`Gatehouse listening on ${server.url}; open ${server.browserUrl}`);
  // First signal: a graceful stop (readyz 503, feed streams closed, requests drained), bounded
  // at SHUTDOWN_DEADLINE_MS. A second signal: exit at once.
  let stopping = false;
  const onSignal = () => {
    if (stopping) return exitNow('second signal');
    stopping = true;
    setTimeout(
      () => exitNow(`still stopping after ${SHUTDOWN_DEADLINE_MS} ms`),
      SHUTDOWN_DEADLINE_MS,
    ).unref();
    server.shutdown({ readinessDelayMs: SHUTDOWN_READINESS_DELAY_MS }).then(
      () => process.exit(EXIT_OK),
      () => process.exit(EXIT_FAILURE),
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, onSignal);
  return EXIT_OK;
}

async function migrate({ config, io }: CommandInput): Promise<number> {
  const store = await openStore(config());
  try {
    io.out(`Migrations applied (${store.kind} store).`);
  } finally {
    await store.close();
  }
  return EXIT_OK;
}

export const serveCommand: CommandSpec = {
  name: 'serve',
  help: ['Start the auth server (what `npm start` runs).'],
  run: serve,
};

export const migrateCommand: CommandSpec = {
  name: 'migrate',
  help: ['Apply database migrations, then exit.'],
  run: migrate,
};

export const clientsListCommand: CommandSpec = {
  name: 'clients list',
  help: [
    'List the registered OAuth clients (GATEHOUSE_CLIENTS and the',
    'default "gatehouse"): id, strategies, DPoP required, name.',
  ],
  run: async ({ config, io }) => {
    for (const line of formatClients(createClientRegistry(config().clients))) io.out(line);
    return EXIT_OK;
  },
};

export const secretsGenerateCommand: CommandSpec = {
  name: 'secrets generate',
  settings: false,
  help: [
    'Print fresh values for every secret a deployment shares',
    '(GATEHOUSE_CSRF_SECRET, GATEHOUSE_KEY_ENCRYPTION_KEY,',
    'GATEHOUSE_SERVICE_TOKEN, GATEHOUSE_METRICS_TOKEN) as',
    'NAME=value lines, ready for an env file.',
  ],
  run: async ({ io }) => {
    for (const line of formatGeneratedSecrets()) io.out(line);
    return EXIT_OK;
  },
};
