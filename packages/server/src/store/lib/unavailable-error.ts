/**
 * Whether a thrown value means "a store or feed is down, slow or unreachable": the request may
 * succeed if retried later, so it answers 503 `temporarily_unavailable` with `Retry-After`, never a
 * 500 (issue 10). Recognised by shape, walking the `cause` chain: socket errors, the pg pool's and
 * client's timeouts, PostgreSQL's connection, shutdown and timeout SQLSTATEs, ioredis's timeouts,
 * closed connections and exhausted retries, SQLite's busy/locked. Anything else (a bug, a constraint
 * violation) stays a 500.
 */
export function isUnavailableError(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current !== 'object') return false;
    const { code, name, message, cause } = current as {
      code?: unknown;
      name?: unknown;
      message?: unknown;
      cause?: unknown;
    };
    if (typeof code === 'string' && (SOCKET_CODES.has(code) || isUnavailableSqlState(code))) return true;
    if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code)) return true;
    if (typeof name === 'string' && UNAVAILABLE_NAMES.has(name)) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message)))
      return true;
    current = cause;
  }
  return false;
}

const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTCONN',
]);

/**
 * PostgreSQL: class 08 (connection exception), 53 (insufficient resources), 57P01–57P05 (shutdown,
 * cannot connect now, idle timeouts), 57014 (statement_timeout), 55P03 (lock_timeout), 40P01
 * (deadlock victim: retry).
 */
function isUnavailableSqlState(code: string): boolean {
  return (
    /^08[0-9A-Z]{3}$/.test(code) ||
    /^53[0-9A-Z]{3}$/.test(code) ||
    /^57P0[1-5]$/.test(code) ||
    code === '57014' ||
    code === '55P03' ||
    code === '40P01'
  );
}

const UNAVAILABLE_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError', 'ReplicaWaitError']);

const UNAVAILABLE_MESSAGES = [
  // pg-pool and pg
  /^timeout exceeded when trying to connect$/,
  /^Connection terminated/,
  /^Query read timeout$/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Cannot use a pool after calling end on the pool$/,
  // ioredis
  /^Command timed out$/,
  /^Connection is closed\.?$/,
  /^Stream isn't writeable and enableOfflineQueue options is false$/,
  /^Failed to refresh slots cache/,
  /^None of startup nodes is available$/,
  /^CLUSTERDOWN/,
  // Redis Cluster failing over: nodes disagree about a slot's master for a moment, or the client
  // is still finding the new one.
  /^Too many Cluster redirections/,
  /^Cluster isn't ready and enableOfflineQueue options is false$/,
  // Redis Sentinel: none reachable for the moment, or a failover under way.
  /^All sentinels are unreachable/,
  /^LOADING /,
  /^TRYAGAIN/,
  // SQLite
  /database is locked/,
];
