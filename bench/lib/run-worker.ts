import { describeError } from './format.ts';
import type { FromWorker, ToWorker } from './worker-messages.ts';

/** What a worker sets up from its config: the answer to `init`, a request handler, a way to close. */
export interface WorkerApi {
  ready: unknown;
  call?(body: unknown): Promise<unknown> | unknown;
  close(): Promise<void>;
}

function send(message: FromWorker): void {
  if (process.connected) process.send!(message);
}

/**
 * The child side of `startWorker`: waits for `init`, runs `setup`, answers calls, and on `stop`
 * (or when the bench disappears) closes everything before exiting, so no server or connection is
 * left behind.
 */
export function runWorker<Config>(setup: (config: Config) => Promise<WorkerApi>): void {
  if (!process.send) throw new Error('a bench worker must be started by the bench (fork with IPC)');
  let api: WorkerApi | undefined;
  let closing = false;

  async function shutdown(code: number): Promise<void> {
    if (closing) return;
    closing = true;
    try {
      await api?.close();
    } catch (error) {
      process.stderr.write(`worker close failed: ${describeError(error)}\n`);
      code = 1;
    }
    process.disconnect?.();
    process.exit(code);
  }

  process.on('message', async (message: ToWorker) => {
    if (message.type === 'init') {
      try {
        api = await setup(message.config as Config);
        send({ type: 'ready', ready: api.ready });
      } catch (error) {
        send({ type: 'failed', error: describeError(error) });
        await shutdown(1);
      }
    } else if (message.type === 'call') {
      try {
        send({ type: 'reply', id: message.id, body: await api?.call?.(message.body) });
      } catch (error) {
        send({ type: 'reply', id: message.id, error: describeError(error) });
      }
    } else if (message.type === 'stop') {
      await shutdown(0);
    }
  });
  // The bench died or killed the channel: nobody will send `stop`.
  process.on('disconnect', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
}
