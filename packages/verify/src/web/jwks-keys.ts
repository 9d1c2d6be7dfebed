// WebCrypto build: replaces packages/verify/src/lib/jwks-keys.ts (same exports and behaviour), with
// keys imported by crypto.subtle and a `prepare(token)` step that checks the signature.
import type { Clock, SigningAlgorithm } from '../../../core/src/index.ts';
import type { JWK } from 'jose';
import { decodeBase64Url } from './base64url.ts';
import { recordVerdict } from './verdicts.ts';
import { createJwksFetcher } from '../lib/jwks-fetcher.ts';
import { withGetters } from '../lib/with-getters.ts';

export { JWKS_REFETCH_INTERVAL_MS } from '../lib/jwks-fetcher.ts';
const MIN_RSA_MODULUS_BITS = 2048;

/** Shaped like the node:crypto KeyObject fields the core's key-fitting check reads. */
export interface WebVerificationKey {
  type: 'public';
  asymmetricKeyType: 'ec' | 'ed25519' | 'rsa';
  asymmetricKeyDetails: { namedCurve?: string; modulusLength?: number };
  symmetricKeySize?: undefined;
  cryptoKey: CryptoKey;
  alg: SigningAlgorithm;
}

export interface JwksKeysOptions {
  jwks?: { keys: JWK[] };
  jwksUrl?: string;
  algorithms: readonly SigningAlgorithm[];
  clock: Clock;
  fetch: typeof fetch;
  onError: (error: unknown) => void;
}

export interface JwksKeys {
  get(kid: string): WebVerificationKey | undefined;
  load(): Promise<void>;
  refreshOnMiss(): Promise<boolean>;
  /** A `key` revocation event came: see `JwksFetcher.keyRevoked`. */
  keyRevoked(kid: string): void;
  /** Checks the token's signature with WebCrypto, for the synchronous verifier to read next. */
  prepare(token: string): Promise<void>;
  readonly fetches: number;
}

interface KeyPlan {
  kid: string;
  jwk: JsonWebKey;
  alg: SigningAlgorithm;
  asymmetricKeyType: WebVerificationKey['asymmetricKeyType'];
  details: WebVerificationKey['asymmetricKeyDetails'];
  params: RsaHashedImportParams | EcKeyImportParams | Algorithm;
}

const VERIFY_PARAMS: Record<SigningAlgorithm, AlgorithmIdentifier | EcdsaParams> = {
  ES256: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams,
  EdDSA: { name: 'Ed25519' },
  RS256: { name: 'RSASSA-PKCS1-v1_5' },
  HS256: { name: 'HMAC' },
};

/**
 * What a JWK can verify, judged from the key itself (never from a token): P-256 → ES256, Ed25519 →
 * EdDSA, RSA of 2048 bits or more → RS256. Only the public members are kept. Null when unusable.
 */
function planKey(value: unknown): KeyPlan | null {
  const jwk = (typeof value === 'object' && value !== null ? value : {}) as JWK;
  if (typeof jwk.kid !== 'string' || jwk.kid === '') return null;
  const b64 = (member: unknown) => (typeof member === 'string' ? decodeBase64Url(member) : null);
  if (jwk.kty === 'EC' && jwk.crv === 'P-256' && b64(jwk.x)?.length === 32 && b64(jwk.y)?.length === 32)
    return {
      kid: jwk.kid,
      jwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y },
      alg: 'ES256',
      asymmetricKeyType: 'ec',
      details: { namedCurve: 'prime256v1' },
      params: { name: 'ECDSA', namedCurve: 'P-256' },
    };
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && b64(jwk.x)?.length === 32)
    return {
      kid: jwk.kid,
      jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x },
      alg: 'EdDSA',
      asymmetricKeyType: 'ed25519',
      details: {},
      params: { name: 'Ed25519' },
    };
  const modulus = b64(jwk.n);
  if (jwk.kty === 'RSA' && modulus && b64(jwk.e)) {
    const leadingZeros = modulus.findIndex((byte) => byte !== 0);
    const modulusLength = (modulus.length - Math.max(0, leadingZeros)) * 8;
    if (modulusLength < MIN_RSA_MODULUS_BITS) return null;
    return {
      kid: jwk.kid,
      jwk: { kty: 'RSA', n: jwk.n, e: jwk.e },
      alg: 'RS256',
      asymmetricKeyType: 'rsa',
      details: { modulusLength },
      params: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    };
  }
  return null;
}

/** Skips keys for another use or an algorithm not pinned; `strict` throws for an unusable one. */
function planKeys(jwks: unknown[], pinned: Set<string>, strict: boolean): KeyPlan[] {
  const plans: KeyPlan[] = [];
  for (const [index, value] of jwks.entries()) {
    const jwk = (typeof value === 'object' && value !== null ? value : {}) as JWK;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    if (jwk.alg !== undefined && !pinned.has(jwk.alg)) continue;
    const plan = planKey(jwk);
    if (plan) plans.push(plan);
    else if (strict) throw new TypeError(`jwks.keys[${index}] is not a usable public key with a kid`);
  }
  return plans;
}

async function importKeys(plans: KeyPlan[], strict: boolean): Promise<Map<string, WebVerificationKey>> {
  const imported = new Map<string, WebVerificationKey>();
  for (const plan of plans) {
    try {
      const cryptoKey = await crypto.subtle.importKey('jwk', plan.jwk, plan.params, false, ['verify']);
      imported.set(plan.kid, {
        type: 'public',
        asymmetricKeyType: plan.asymmetricKeyType,
        asymmetricKeyDetails: plan.details,
        cryptoKey,
        alg: plan.alg,
      });
    } catch (cause) {
      if (strict) throw new TypeError(`jwks key ${plan.kid} cannot be imported`, { cause });
    }
  }
  return imported;
}

const encoder = new TextEncoder();

export function createJwksKeys(options: JwksKeysOptions): JwksKeys {
  if (typeof globalThis.crypto?.subtle?.verify !== 'function')
    throw new TypeError('this runtime has no WebCrypto (globalThis.crypto.subtle); the verifier needs it');
  const { jwksUrl, clock, onError } = options;
  const pinned = new Set<string>(options.algorithms);
  let keys = new Map<string, WebVerificationKey>();
  // Static keys are checked now (a bad one throws TypeError here) and imported asynchronously.
  const staticPlans = options.jwks ? planKeys(options.jwks.keys, pinned, true) : [];
  let ready: Promise<void> | undefined;
  const whenReady = () => {
    ready ??= importKeys(staticPlans, true).then((imported) => {
      if (!jwksUrl) keys = imported;
    });
    return ready;
  };

  const fetcher = createJwksFetcher({
    jwksUrl,
    clock,
    fetch: options.fetch,
    onError,
    apply: async (fetched) => {
      keys = await importKeys(planKeys(fetched, pinned, false), false);
    },
  });
  const { fetchKeys } = fetcher;

  const api: Omit<JwksKeys, 'fetches'> = {
    get: (kid) => keys.get(kid),

    async load() {
      await whenReady();
      if (jwksUrl) await fetchKeys();
    },

    refreshOnMiss: () => fetcher.refreshOnMiss(),

    keyRevoked: (kid) => fetcher.keyRevoked(kid),

    async prepare(token) {
      await whenReady();
      // Only what is needed to pick the key; the synchronous verifier re-checks everything.
      if (typeof token !== 'string' || token.length > 8192) return;
      const [headerText, payloadText, signatureText, extra] = token.split('.');
      if (extra !== undefined || !headerText || payloadText === undefined || !signatureText) return;
      const headerBytes = decodeBase64Url(headerText);
      const signature = decodeBase64Url(signatureText);
      if (!headerBytes || !signature) return;
      let header: { kid?: unknown; alg?: unknown };
      try {
        header = JSON.parse(new TextDecoder().decode(headerBytes));
      } catch {
        return;
      }
      const key = typeof header?.kid === 'string' ? keys.get(header.kid) : undefined;
      if (!key || key.alg !== header.alg || !pinned.has(key.alg)) return;
      const signingInput = `${headerText}.${payloadText}`;
      let valid = false;
      try {
        valid = await crypto.subtle.verify(
          VERIFY_PARAMS[key.alg],
          key.cryptoKey,
          signature,
          encoder.encode(signingInput),
        );
      } catch {
        valid = false;
      }
      recordVerdict(signingInput, signature, key.cryptoKey, valid);
    },
  };
  return withGetters<JwksKeys, 'fetches'>(api, { fetches: () => fetcher.fetches });
}
