import type { GatehouseStore } from '@gatehouse/core';
import { resolve } from 'node:path';
import type { GatehouseConfig } from './config.ts';
import { userPages } from './store/lib/user-pages.ts';

/** True once any user holds the admin role. Scans in pages: it runs once, at start-up. */
export async function hasAdmin(store: GatehouseStore): Promise<boolean> {
  for await (const users of userPages(store.users, 500))
    if (users.some((user) => user.roles.includes('admin'))) return true;
  return false;
}

/** Single-quoted for a POSIX shell. */
function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * How to create the first admin against this server's own store: the command names the data
 * directory when it is not the default (an example's temporary one, say), so it never writes to
 * another `./data`. A shared store is named by settings that hold secrets, so those are only named.
 */
export function firstAdminHint(config: Pick<GatehouseConfig, 'dataDir' | 'databaseUrl' | 'store'>): string[] {
  const embedded = config.store !== 'redis' && !config.databaseUrl;
  const dataDir =
    embedded && config.dataDir !== './data' ? ` --data-dir ${shellQuote(resolve(config.dataDir))}` : '';
  return [
    embedded
      ? "No admin account yet. Create the first one in this server's data directory with:"
      : `No admin account yet. Create the first one with the same ${config.store === 'redis' ? 'GATEHOUSE_STORE, REDIS_URL' : 'DATABASE_URL'} and secrets as this server:`,
    `  npm run gatehouse -- admin create --email you@example.com --password-stdin${dataDir}`,
    'and type the password, or pipe it in; GATEHOUSE_ADMIN_PASSWORD works instead of --password-stdin.',
  ];
}
