import { type ResourceLimits, Worker } from 'node:worker_threads';
import type { GatehouseStore } from '@gatehouse/core';
import {
  fromErrorShape,
  type StoreShape,
  type StoreThreadCall,
  type StoreThreadData,
  type StoreThreadReply,
} from './store-thread-protocol.ts';

/**
 * The thread's module: this folder's source under Node's type stripping; in the published package,
 * the bundle's own entry beside the module that imports this one (packages/server/build.ts).
 */
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('./store-thread-worker.ts', import.meta.url)
  : new URL('./sqlite-store-thread.js', import.meta.url);

/** After a thread failed to start again, calls fail at once with its error for this long. */
export const RESTART_BACKOFF_MS = 1000;

export interface StoreThreadOptions {
  /** The thread's V8 limits (`Worker`'s `resourceLimits`): a thread past them ends, and a new one takes over. */
  resourceLimits?: ResourceLimits;
  /**
   * Told when the thread ended without being closed (a bug, or out of memory): the calls it was
   * answering failed with `error`, and the next call starts a new thread on the same file.
   */
  onThreadEnded?: (error: Error) => void;
}

interface Waiting {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** One running thread with its store open. */
interface StoreThread {
  readonly shape: StoreShape;
  /** Why it ended, once it has (and then every call fails). */
  readonly ended: Error | null;
  call(subStore: string, method: string, args: unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

/** Starts a thread and waits until its store is open; rejects with the reason it could not open. */
async function startStoreThread(
  data: StoreThreadData,
  options: StoreThreadOptions,
  onEnded: (error: Error) => void,
): Promise<StoreThread> {
  const worker = new Worker(WORKER_URL, {
    workerData: data,
    ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
  });
  const waiting = new Map<number, Waiting>();
  let nextId = 0;
  let ended: Error | null = null;
  let closing = false;

  const endAll = (error: Error) => {
    if (ended) return;
    ended = error;
    for (const call of waiting.values()) call.reject(error);
    waiting.clear();
    if (!closing) onEnded(error);
  };

  const opened = await new Promise<StoreThreadReply>((resolve, reject) => {
    const onExit = () => reject(new Error('the SQLite store thread exited while opening'));
    const settle = () => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    };
    const onMessage = (reply: StoreThreadReply) => {
      settle();
      resolve(reply);
    };
    const onError = (error: Error) => {
      settle();
      reject(error);
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
  if (!('kind' in opened) || opened.kind !== 'ready') {
    await worker.terminate();
    throw 'kind' in opened && opened.kind === 'failed'
      ? fromErrorShape(opened.error)
      : new Error('unexpected first message');
  }

  worker.on('message', (reply: StoreThreadReply) => {
    if (!Array.isArray(reply)) return;
    const [id, ok, value] = reply;
    const call = waiting.get(id);
    if (!call) return;
    waiting.delete(id);
    // The thread keeps the process alive only while it has calls to answer, as a pending query would.
    if (waiting.size === 0) worker.unref();
    if (ok) call.resolve(value);
    else call.reject(fromErrorShape(value));
  });
  worker.on('error', (error) => endAll(error));
  worker.on('exit', () => endAll(new Error('the SQLite store thread has exited')));
  worker.unref();

  return {
    shape: opened.shape,
    get ended() {
      return ended;
    },
    call(subStore, method, args) {
      if (ended) return Promise.reject(ended);
      return new Promise((resolve, reject) => {
        const id = nextId++;
        // Throws (a function or symbol among the arguments) before anything is waiting.
        worker.postMessage([id, subStore, method, args] satisfies StoreThreadCall);
        waiting.set(id, { resolve, reject });
        if (waiting.size === 1) worker.ref();
      });
    },
    async close() {
      if (ended) return;
      closing = true;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.ref();
      // After every call made before it: the thread answers in order, then closes the store.
      worker.postMessage('close' satisfies StoreThreadCall);
      await exited;
    },
  };
}

/**
 * The SQLite store on a thread of its own. node:sqlite runs every statement synchronously, so on
 * the event loop each store call holds every other request for its statements and commits (and,
 * with `sync: 'full'`, for the fsync of each commit). Here the thread runs them, one call at a
 * time in the order they were made, and the event loop only posts each call and reads its answer:
 * the same store (migrations, checkpoint thread, transactions), the same results and errors
 * (name, message and codes), each call a round trip between threads.
 *
 * A thread that ends without being closed fails the calls it was answering (whether their
 * statements committed is not known, as with a dropped database connection) and is replaced: the
 * next call starts a new thread on the same file, and the calls made meanwhile wait for it, in
 * order. If it cannot start, they fail with the reason, and for `RESTART_BACKOFF_MS` after it so
 * does every call, at once.
 */
export async function openSqliteStoreOnThread(
  data: StoreThreadData,
  options: StoreThreadOptions = {},
): Promise<GatehouseStore> {
  let closed = false;
  const onEnded = (error: Error) => options.onThreadEnded?.(error);
  let thread = await startStoreThread(data, options, onEnded);
  let restarting: Promise<StoreThread> | null = null;
  let failed: { error: unknown; at: number } | null = null;

  function restart(): Promise<StoreThread> {
    restarting ??= startStoreThread(data, options, onEnded).then(
      (started) => {
        thread = started;
        restarting = null;
        failed = null;
        return started;
      },
      (error: unknown) => {
        restarting = null;
        failed = { error, at: Date.now() };
        throw error;
      },
    );
    return restarting;
  }

  function call(subStore: string, method: string, args: unknown[]): Promise<unknown> {
    if (closed) return Promise.reject(new Error('the SQLite store is closed'));
    if (!thread.ended) return thread.call(subStore, method, args);
    if (failed && Date.now() - failed.at < RESTART_BACKOFF_MS) return Promise.reject(failed.error);
    return restart().then((started) => started.call(subStore, method, args));
  }

  const store: Record<string, unknown> = { kind: 'sqlite' };
  for (const [subStore, methods] of Object.entries(thread.shape.subStores)) {
    store[subStore] = Object.fromEntries(
      methods.map((method) => [method, (...args: unknown[]) => call(subStore, method, args)]),
    );
  }
  for (const method of thread.shape.methods) {
    store[method] = (...args: unknown[]) => call('', method, args);
  }
  store.close = async () => {
    if (closed) return;
    closed = true;
    await restarting?.catch(() => {});
    await thread.close();
  };
  return store as unknown as GatehouseStore;
}
