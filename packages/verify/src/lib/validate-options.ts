import type { SigningAlgorithm } from '@gatehouse/core';
import type { StalePolicy, VerifierOptions } from '../types.ts';
import { DEFAULT_UPSTREAM_LIMITS, type UpstreamLimits } from './upstream-limiter.ts';

const ASYMMETRIC: ReadonlySet<string> = new Set(['ES256', 'EdDSA', 'RS256']);
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface ValidatedOptions {
  issuer: string;
  audience: string;
  algorithms: readonly SigningAlgorithm[];
  maxStalenessMs: number;
  onStale: StalePolicy;
  maxEntries: number;
  sessionTtlMs: number;
  leewaySeconds: number;
  fetch: typeof fetch;
  upstream: UpstreamLimits;
}

function fail(message: string): never {
  throw new TypeError(`createVerifier: ${message}`);
}

function requireInteger(value: unknown, name: string, minimum: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < minimum)
    fail(`${name} must be an integer >= ${minimum}`);
  return value as number;
}

/** Every security-relevant choice is explicit and checked here, once, so requests do no set-up work. */
export function validateOptions(options: VerifierOptions): ValidatedOptions {
  if (typeof options !== 'object' || options === null) fail('options are required');
  const { issuer, audience, algorithms, jwks, jwksUrl, feed } = options;
  if (typeof issuer !== 'string' || issuer === '') fail('issuer is required');
  if (typeof audience !== 'string' || audience === '') fail('audience is required');
  if (!Array.isArray(algorithms) || algorithms.length === 0)
    fail('algorithms must list the accepted algorithms');
  for (const alg of algorithms) {
    if (!ASYMMETRIC.has(alg))
      fail(
        `algorithm ${String(alg)} is not supported: use ES256, EdDSA or RS256 (a JWKS never carries an HS256 secret)`,
      );
  }
  if ((jwks === undefined) === (jwksUrl === undefined)) fail('exactly one of jwks and jwksUrl is required');
  if (jwks !== undefined && !Array.isArray(jwks?.keys)) fail('jwks must be { keys: JWK[] }');
  if (jwksUrl !== undefined) checkJwksUrl(jwksUrl);
  const source = feed as { mode?: unknown; pull?: unknown; follow?: unknown } | undefined;
  if (
    typeof feed?.snapshot !== 'function' ||
    typeof (source?.mode === 'pull' ? source.pull : source?.follow) !== 'function'
  )
    fail('feed must be a FeedSource or a PullFeedSource');

  const onStale = options.onStale ?? 'fail-closed';
  if (onStale !== 'fail-closed' && onStale !== 'introspect')
    fail("onStale must be 'fail-closed' or 'introspect'");
  if (onStale === 'introspect' && typeof options.introspect !== 'function')
    fail("onStale: 'introspect' needs an introspect function");
  for (const name of ['introspect', 'validateSession', 'onError'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function')
      fail(`${name} must be a function`);
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (jwksUrl !== undefined && typeof fetchImpl !== 'function')
    fail('fetch is not available; pass options.fetch');

  return {
    issuer,
    audience,
    algorithms: [...algorithms],
    maxStalenessMs: requireInteger(options.maxStalenessMs ?? 5000, 'maxStalenessMs', 1),
    onStale,
    maxEntries: requireInteger(options.cache?.maxEntries ?? 10_000, 'cache.maxEntries', 0),
    sessionTtlMs: requireInteger(options.cache?.sessionTtlMs ?? 60_000, 'cache.sessionTtlMs', 0),
    leewaySeconds: requireInteger(options.leewaySeconds ?? 30, 'leewaySeconds', 0),
    fetch: fetchImpl,
    upstream: {
      maxConcurrent: requireInteger(
        options.upstream?.maxConcurrent ?? DEFAULT_UPSTREAM_LIMITS.maxConcurrent,
        'upstream.maxConcurrent',
        1,
      ),
      maxQueued: requireInteger(
        options.upstream?.maxQueued ?? DEFAULT_UPSTREAM_LIMITS.maxQueued,
        'upstream.maxQueued',
        0,
      ),
    },
  };
}

/**
 * Keys fetched, or credentials sent, over plain HTTP could be swapped or read by anyone on the path;
 * only loopback is exempt.
 */
export function isHttpsOrLoopback(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
}

function checkJwksUrl(value: unknown): void {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    fail('jwksUrl must be an absolute URL');
  }
  if (!isHttpsOrLoopback(url)) fail('jwksUrl must use https (plain http only on loopback)');
}
