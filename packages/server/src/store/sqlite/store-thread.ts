import { Worker } from 'node:worker_threads';
import type { GatehouseStore } from '@gatehouse/core';
import {
  fromErrorShape,
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

interface Waiting {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * The SQLite store on a thread of its own. node:sqlite runs every statement synchronously, so on
 * the event loop each store call holds every other request for its statements and commits (and,
 * with `sync: 'full'`, for the fsync of each commit). Here the thread runs them, one call at a
 * time in the order they were made, and the event loop only posts each call and reads its answer:
 * the same store (migrations, checkpoint thread, transactions), the same results and errors
 * (name, message and codes), each call a round trip between threads.
 */
export async function openSqliteStoreOnThread(data: StoreThreadData): Promise<GatehouseStore> {
  const worker = new Worker(WORKER_URL, { workerData: data });
  const waiting = new Map<number, Waiting>();
  let nextId = 0;
  let ended: Error | null = null;

  const endAll = (error: Error) => {
    ended ??= error;
    for (const call of waiting.values()) call.reject(error);
    waiting.clear();
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

  function call(subStore: string, method: string, args: unknown[]): Promise<unknown> {
    if (ended) return Promise.reject(ended);
    return new Promise((resolve, reject) => {
      const id = nextId++;
      // Throws (a function or symbol among the arguments) before anything is waiting.
      worker.postMessage([id, subStore, method, args] satisfies StoreThreadCall);
      waiting.set(id, { resolve, reject });
      if (waiting.size === 1) worker.ref();
    });
  }

  const store: Record<string, unknown> = { kind: 'sqlite' };
  for (const [subStore, methods] of Object.entries(opened.shape.subStores)) {
    store[subStore] = Object.fromEntries(
      methods.map((method) => [method, (...args: unknown[]) => call(subStore, method, args)]),
    );
  }
  for (const method of opened.shape.methods) {
    store[method] = (...args: unknown[]) => call('', method, args);
  }
  store.close = async () => {
    if (ended) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    // After every call made before it: the thread answers in order, then closes the store.
    worker.postMessage('close' satisfies StoreThreadCall);
    await exited;
  };
  return store as unknown as GatehouseStore;
}
