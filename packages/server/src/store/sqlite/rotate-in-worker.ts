// Test helper, run as a worker thread by cross-connection.test.ts: a connection of its own to the
// file, as another process would have. Waits at the shared start line, rotates once, reports the
// outcome and the connection's `PRAGMA synchronous` at each transaction.
import { parentPort, workerData } from 'node:worker_threads';
import type { RotateRefreshInput } from '@gatehouse/core';
import type { SqliteSync } from './database.ts';
import { openSqliteStore } from './sqlite-store.ts';
import { probeSynchronous } from './synchronous-probe.ts';

export interface RotateInWorkerData {
  path: string;
  sync?: SqliteSync;
  input: RotateRefreshInput;
  /** Stays 0 until the test releases every worker at once. */
  startLine: Int32Array;
}

const { path, sync, input, startLine } = workerData as RotateInWorkerData;
const probe = probeSynchronous();
const store = await openSqliteStore({ path, sync });
parentPort!.postMessage('ready');
Atomics.wait(startLine, 0, 0);
const result = await store.refreshTokens.rotate(input);
await store.close();
parentPort!.postMessage({ result, synchronous: probe.seen });
