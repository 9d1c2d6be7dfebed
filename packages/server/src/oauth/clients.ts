import { CLIENT_ID_PATTERN, ClientError, type RefreshTokenBinding, type Strategy } from '@gatehouse/core';

/** A registered public client (RFC 6749 §2.1): no secret, identified by `client_id`. */
export interface OAuthClient {
  id: string;
  name: string;
  /** Login strategies the client may use. */
  strategies: readonly Strategy[];
  /** RFC 9449 §5.2 `dpop_bound_access_tokens`: every token request must carry a DPoP proof. */
  requireDpop: boolean;
}

/** The client of requests that name none: the web UI, `npm start` and clients written before clients existed. */
export const DEFAULT_CLIENT_ID = 'gatehouse';
export const DEFAULT_CLIENT: OAuthClient = Object.freeze({
  id: DEFAULT_CLIENT_ID,
  name: 'Gatehouse',
  strategies: Object.freeze(['session', 'hybrid', 'token'] as Strategy[]),
  requireDpop: false,
});

const STRATEGIES: readonly Strategy[] = ['session', 'hybrid', 'token'];

export interface ClientRegistry {
  readonly defaultClient: OAuthClient;
  /** Registered clients, the default one first. */
  list(): readonly OAuthClient[];
  get(id: string): OAuthClient | null;
  /** The client a request names (`client_id`), or the default one when it names none. Unknown: `invalid_client`. */
  resolve(id: unknown): OAuthClient;
}

/**
 * The clients from configuration. The default client is always there (an entry with its id
 * replaces it), so a fresh `npm start` needs no set-up.
 *
 * @example
 * const clients = createClientRegistry([{ id: 'cli', name: 'CLI', strategies: ['token'], requireDpop: true }]);
 * clients.resolve('cli').requireDpop === true;
 */
export function createClientRegistry(configured: readonly OAuthClient[] = []): ClientRegistry {
  const byId = new Map<string, OAuthClient>([[DEFAULT_CLIENT_ID, DEFAULT_CLIENT]]);
  for (const client of configured) byId.set(client.id, Object.freeze({ ...client }));
  const defaultClient = byId.get(DEFAULT_CLIENT_ID)!;
  return {
    defaultClient,
    list: () => [...byId.values()],
    get: (id) => byId.get(id) ?? null,
    resolve(id) {
      if (id === undefined) return defaultClient;
      const client = typeof id === 'string' ? byId.get(id) : undefined;
      if (!client) throw new ClientError('ERR_INVALID_CLIENT', 'unknown client_id');
      return client;
    },
  };
}

/** Throws the message of the first problem; used by the config parser, which names the setting. */
export function parseClients(text: string): OAuthClient[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TypeError('must be a JSON array of clients');
  }
  if (!Array.isArray(value)) throw new TypeError('must be a JSON array of clients');
  const seen = new Set<string>();
  return value.map((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw new TypeError(`entry ${index} must be an object`);
    const { id, name, strategies, requireDpop, ...rest } = entry as Record<string, unknown>;
    if (Object.keys(rest).length > 0)
      throw new TypeError(`entry ${index}: unknown member ${Object.keys(rest)[0]}`);
    if (typeof id !== 'string' || !CLIENT_ID_PATTERN.test(id))
      throw new TypeError(`entry ${index}: id must match ${CLIENT_ID_PATTERN.source}`);
    if (seen.has(id)) throw new TypeError(`entry ${index}: duplicate id ${id}`);
    seen.add(id);
    if (name !== undefined && (typeof name !== 'string' || name.length === 0 || name.length > 100))
      throw new TypeError(`entry ${index}: name must be 1-100 characters`);
    const list = strategies ?? ['token'];
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      !list.every((strategy) => (STRATEGIES as readonly unknown[]).includes(strategy))
    )
      throw new TypeError(`entry ${index}: strategies must be a non-empty list of session, hybrid, token`);
    if (requireDpop !== undefined && typeof requireDpop !== 'boolean')
      throw new TypeError(`entry ${index}: requireDpop must be true or false`);
    return {
      id,
      name: typeof name === 'string' ? name : id,
      strategies: [...new Set(list as Strategy[])],
      requireDpop: requireDpop === true,
    };
  });
}

/** Refuses a strategy the client may not use (RFC 6749 §5.2 `unauthorized_client`). */
export function assertClientMayUse(client: OAuthClient, strategy: Strategy): void {
  if (!client.strategies.includes(strategy))
    throw new ClientError('ERR_UNAUTHORIZED_CLIENT', 'strategy not allowed for this client');
}

/**
 * What a new refresh token carries: nothing for the default client without DPoP (the plain
 * 43-character form, as before clients existed), else the client id and the key thumbprint.
 */
export function refreshTokenBinding(clientId: string, jkt?: string): RefreshTokenBinding {
  if (jkt !== undefined) return { clientId, jkt };
  return clientId === DEFAULT_CLIENT_ID ? {} : { clientId };
}

/** One line per client, for `gatehouse clients list`: id, strategies, whether DPoP is required, name. */
export function formatClients(registry: ClientRegistry): string[] {
  return registry
    .list()
    .map((client) =>
      [
        client.id,
        client.strategies.join(','),
        client.requireDpop ? 'dpop-required' : 'dpop-optional',
        client.name,
      ].join('\t'),
    );
}
