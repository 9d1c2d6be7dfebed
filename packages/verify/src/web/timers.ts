// WebCrypto build: replaces `node:timers/promises` (only `setTimeout` is used, with a signal).
export function setTimeout<T = void>(
  ms: number,
  value?: T,
  options: { signal?: AbortSignal } = {},
): Promise<T> {
  const { signal } = options;
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      globalThis.clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = globalThis.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(value as T);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
