// @ts-check
import { strategy } from '../settings.js';

/**
 * The UI on the hybrid strategy: @gatehouse/client, built from packages/client and served by the
 * server under `/ui/client/` (same origin: the page's strict CSP allows it). Loaded only when
 * the server says the UI runs on the hybrid; null otherwise.
 *
 * @typedef {import('../../../client/src/index.ts').GatehouseClient} GatehouseClient
 */

const CLIENT_MODULE = '/ui/client/index.js';

/** @type {Promise<GatehouseClient> | null} */
let loading = null;

/** @returns {Promise<GatehouseClient> | null} */
export function hybridClient() {
  if (strategy !== 'hybrid') return null;
  loading ??= import(CLIENT_MODULE).then(
    (/** @type {typeof import('../../../client/src/index.ts')} */ module) => module.createGatehouseClient(),
  );
  return loading;
}
