import type { Clock } from '../clock.ts';
import { type CompactSessionTable, createCompactSessionTable } from './compact-session-table.ts';
import type { RevocationEvent } from './revocation-event.ts';

/** What a verifier knows about a credential when it asks whether it was revoked. `iat` is in seconds. */
export interface RevocationQuery {
  sid?: string;
  sub?: string;
  jti?: string;
  kid?: string;
  /** Issued-at (seconds). Needed for `user` events; a missing `iat` counts as issued before them. */
  iat?: number;
}

/**
 * The revocations a verifier must remember: every event it has heard whose `until` has not passed.
 * Applying an event twice, or events in any order, leaves the same state (the later `until`, the
 * later `before` win), so replays after a reconnect or a snapshot overlapping a stream are harmless.
 */
export interface RevocationSet {
  apply(event: RevocationEvent): void;
  isRevoked(query: RevocationQuery): boolean;
  /** Forgets entries that can no longer match a live token; returns how many were dropped. */
  prune(): number;
  readonly size: number;
  /** One event per live entry, enough to rebuild an equivalent set elsewhere. */
  snapshot(): RevocationEvent[];
  /** Called after every `apply`, e.g. so a verification cache drops what the event names. */
  onApply(listener: (event: RevocationEvent) => void): () => void;
}

export interface RevocationSetOptions {
  clock: Clock;
  /**
   * Entries outlive their `until` by this much, because a verifier accepts a token this long past
   * its `exp` (clock-skew leeway). Dropping at `until` itself would re-admit a revoked token for
   * the leeway. Default 60 s: the verifier leeway (30 s) plus clock skew between servers.
   */
  retainAfterUntilMs?: number;
  /** `apply` prunes at most this often, so memory stays bounded without a timer. Default 60 s. */
  pruneIntervalMs?: number;
}

/** The live entries, by what an event names. */
interface RevocationTables {
  sessions: CompactSessionTable;
  users: Map<string, { before: number; until: number }>;
  tokens: Map<string, number>;
  keys: Map<string, number>;
}

/** Keeps `event`; for a name already kept, the later `until` (and `before`) wins. */
function storeEvent(tables: RevocationTables, event: RevocationEvent): void {
  switch (event.type) {
    case 'session': {
      const known = tables.sessions.untilOf(event.sid);
      if (known === undefined || known < event.until) tables.sessions.set(event.sid, event.sub, event.until);
      return;
    }
    case 'user': {
      const known = tables.users.get(event.sub);
      tables.users.set(event.sub, {
        before: Math.max(known?.before ?? event.before, event.before),
        until: Math.max(known?.until ?? event.until, event.until),
      });
      return;
    }
    case 'token':
      tables.tokens.set(event.jti, Math.max(tables.tokens.get(event.jti) ?? event.until, event.until));
      return;
    case 'key':
      tables.keys.set(event.kid, Math.max(tables.keys.get(event.kid) ?? event.until, event.until));
      return;
  }
}

/** One event per entry whose `until` is live. */
function snapshotOf(tables: RevocationTables, isLive: (until: number) => boolean): RevocationEvent[] {
  const events: RevocationEvent[] = [];
  for (const { sid, sub, until } of tables.sessions.entries())
    if (isLive(until)) events.push({ type: 'session', sid, sub, until });
  for (const [sub, { before, until }] of tables.users)
    if (isLive(until)) events.push({ type: 'user', sub, before, until });
  for (const [jti, until] of tables.tokens) if (isLive(until)) events.push({ type: 'token', jti, until });
  for (const [kid, until] of tables.keys) if (isLive(until)) events.push({ type: 'key', kid, until });
  return events;
}

/** The retention and pruning options, checked. */
function readTimings(options: RevocationSetOptions): { retainMs: number; pruneIntervalMs: number } {
  const retainMs = options.retainAfterUntilMs ?? 60_000;
  const pruneIntervalMs = options.pruneIntervalMs ?? 60_000;
  if (!Number.isFinite(retainMs) || retainMs < 0) throw new TypeError('retainAfterUntilMs must be >= 0');
  if (!Number.isFinite(pruneIntervalMs) || pruneIntervalMs <= 0)
    throw new TypeError('pruneIntervalMs must be > 0');
  return { retainMs, pruneIntervalMs };
}

/**
 * Creates the in-memory revocation state a verifier (or a feed, for snapshots) keeps.
 *
 * @example
 * const revoked = createRevocationSet({ clock: systemClock });
 * revoked.apply({ type: 'session', sid, sub, until: Date.now() + 600_000 });
 * revoked.isRevoked({ sid, sub, jti, kid, iat }); // true
 */
export function createRevocationSet(options: RevocationSetOptions): RevocationSet {
  const clock = options.clock;
  const { retainMs, pruneIntervalMs } = readTimings(options);
  // Session entries are most of a busy set: kept compact (about 46 bytes each, not 165).
  const tables: RevocationTables = {
    sessions: createCompactSessionTable(),
    users: new Map(),
    tokens: new Map(),
    keys: new Map(),
  };
  const { sessions, users, tokens, keys } = tables;
  const listeners = new Set<(event: RevocationEvent) => void>();
  let nextPruneAt = clock.now() + pruneIntervalMs;

  const isDead = (until: number, now: number) => until + retainMs < now;

  function prune(): number {
    const now = clock.now();
    nextPruneAt = now + pruneIntervalMs;
    let dropped = 0;
    dropped += sessions.deleteWhere((until) => isDead(until, now));
    for (const [sub, entry] of users) if (isDead(entry.until, now) && users.delete(sub)) dropped++;
    for (const [jti, until] of tokens) if (isDead(until, now) && tokens.delete(jti)) dropped++;
    for (const [kid, until] of keys) if (isDead(until, now) && keys.delete(kid)) dropped++;
    return dropped;
  }

  // `size` is added below: an object literal with a getter is a dictionary in V8, so every
  // `isRevoked` call (one per first sight of a token) would be a generic property lookup.
  const set: Omit<RevocationSet, 'size'> = {
    apply(event) {
      const now = clock.now();
      // An event already past its retention names only tokens that no verifier accepts any more.
      if (!isDead(event.until, now)) storeEvent(tables, event);
      if (now >= nextPruneAt) prune();
      for (const listener of listeners) listener(event);
    },

    isRevoked(query) {
      // An empty table is not asked: each lookup hashes (or parses) a string made for this token.
      if (query.sid !== undefined && sessions.size > 0 && sessions.has(query.sid)) return true;
      if (query.jti !== undefined && tokens.size > 0 && tokens.has(query.jti)) return true;
      if (query.kid !== undefined && keys.size > 0 && keys.has(query.kid)) return true;
      if (query.sub !== undefined && users.size > 0) {
        const user = users.get(query.sub);
        if (user && (query.iat === undefined || query.iat * 1000 < user.before)) return true;
      }
      return false;
    },

    prune,

    snapshot() {
      const now = clock.now();
      return snapshotOf(tables, (until) => !isDead(until, now));
    },

    onApply(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
  return Object.defineProperty(set, 'size', {
    get: () => sessions.size + users.size + tokens.size + keys.size,
    enumerable: true,
    configurable: true,
  }) as RevocationSet;
}
