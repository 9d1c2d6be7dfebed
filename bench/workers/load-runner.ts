/**
 * One load generator in a process of its own (autocannon, as bench/lib/load.ts runs it), driven by
 * the bench over IPC: start a load, open and close its counting window, finish it. Two of these
 * load two services in the same seconds without sharing an event loop, so neither load waits
 * behind the other's responses (see `startLoadProcesses`). Not meant to be run by hand.
 */
import { type CountedLoad, type LoadOptions, startCountedLoad } from '../lib/load.ts';
import { runWorker } from '../lib/run-worker.ts';

/** What the bench sends: one command per call. */
export type LoadCommand =
  | { start: Omit<LoadOptions, 'durationSeconds'>; untilSeconds: number }
  | { open: true }
  | { close: true }
  | { finish: true };

runWorker(async () => {
  let load: CountedLoad | undefined;
  const current = (): CountedLoad => {
    if (!load) throw new Error('no load started');
    return load;
  };
  return {
    ready: {},
    async call(command: LoadCommand) {
      if ('start' in command) {
        if (load) throw new Error('a load is already running');
        load = startCountedLoad(command.start, command.untilSeconds);
        await load.started;
      } else if ('open' in command) {
        current().open();
      } else if ('close' in command) {
        current().close();
      } else {
        const finishing = current();
        load = undefined;
        return finishing.finish();
      }
      return undefined;
    },
    async close() {
      await load?.finish();
    },
  };
});
