/**
 * The thread behind `openSqliteStoreOnThread` (store-thread.ts): opens the SQLite store here and
 * answers each store call posted to it, in the order they arrive. A call's statements run to their
 * end before the next message is read (the driver is synchronous), so calls never interleave, as on
 * the event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { GatehouseStore } from '@gatehouse/core';
import { openSqliteStore } from './sqlite-store.ts';
import {
  type StoreThreadCall,
  type StoreThreadData,
  type StoreThreadReply,
  storeShape,
  toErrorShape,
} from './store-thread-protocol.ts';

const port = parentPort!;
const { path, sync } = workerData as StoreThreadData;

const store: GatehouseStore | null = await openSqliteStore({ path, sync }).catch((error: unknown) => {
  // Said in a message, not thrown: the opener reads the reason, and the thread ends quietly.
  port.postMessage({ kind: 'failed', error: toErrorShape(error) } satisfies StoreThreadReply);
  port.close();
  return null;
});
if (store) serve(store);

function serve(store: GatehouseStore): void {
  const target = store as unknown as Record<string, unknown>;

  port.on('message', (call: StoreThreadCall) => {
    if (call === 'close') {
      port.removeAllListeners('message');
      void store.close().finally(() => port.close());
      return;
    }
    const [id, subStore, method, args] = call;
    let answer: Promise<unknown>;
    try {
      const owner = (subStore === '' ? target : target[subStore]) as Record<
        string,
        (...args: unknown[]) => Promise<unknown>
      >;
      answer = owner[method]!(...args);
    } catch (error) {
      answer = Promise.reject(error);
    }
    const failed = (error: unknown) =>
      port.postMessage([id, false, toErrorShape(error)] satisfies StoreThreadReply);
    // A value that cannot be cloned back fails its own call, not the thread.
    answer
      .then((value) => port.postMessage([id, true, value] satisfies StoreThreadReply), failed)
      .catch(failed);
  });
  port.postMessage({ kind: 'ready', shape: storeShape(target) } satisfies StoreThreadReply);
}
