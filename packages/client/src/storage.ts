/**
 * Where the `token` strategy keeps its refresh token (mobile apps, CLIs, desktop shells: clients
 * without a cookie jar of their own). The `hybrid` strategy never needs one: its refresh token
 * lives in an HttpOnly cookie that script cannot read.
 *
 * An adapter may be synchronous or asynchronous. Back it with the platform's secure store
 * (Keychain, Android Keystore, the OS credential vault, a 0600 file for a CLI), not with
 * `localStorage` in a browser page: anything script can read, an injected script can read too.
 */
export interface RefreshTokenStorage {
  get(): string | null | Promise<string | null>;
  set(refreshToken: string): void | Promise<void>;
  remove(): void | Promise<void>;
}

/** Keeps the refresh token in this process's memory only: gone when the process ends. */
export function memoryRefreshTokenStorage(): RefreshTokenStorage {
  let value: string | null = null;
  return {
    get: () => value,
    set: (refreshToken) => {
      value = refreshToken;
    },
    remove: () => {
      value = null;
    },
  };
}
