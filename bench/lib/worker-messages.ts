/** The messages between the bench and its child processes, over the IPC channel of `fork`. */
export type ToWorker =
  | { type: 'init'; config: unknown }
  | { type: 'call'; id: number; body: unknown }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'ready'; ready: unknown }
  | { type: 'failed'; error: string }
  | { type: 'reply'; id: number; body?: unknown; error?: string };
