import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/** A DPoP key pair for tests: the private key signs proofs, `jwk` is what a proof carries. */
export interface TestDpopKey {
  alg: string;
  privateKey: CryptoKey;
  jwk: JWK;
  /** RFC 7638 thumbprint, computed by jose (an implementation independent of ours). */
  jkt: string;
}

export async function createTestDpopKey(alg = 'ES256'): Promise<TestDpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { alg, privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

export interface TestDpopProofInput {
  htm: string;
  htu: string;
  /** The access token whose hash goes into `ath`. */
  accessToken?: string;
  /** Seconds; default now. */
  iat?: number;
  jti?: string;
  nonce?: string;
  /** Replaces or adds header members (`undefined` removes one). */
  header?: Record<string, unknown>;
  /** Replaces or adds payload members (`undefined` removes one). */
  payload?: Record<string, unknown>;
}

/** A proof signed with jose, as a well-behaved client makes it, with knobs to break each part. */
export async function makeTestDpopProof(key: TestDpopKey, input: TestDpopProofInput): Promise<string> {
  const payload: Record<string, unknown> = {
    jti: input.jti ?? randomUUID(),
    htm: input.htm,
    htu: input.htu,
    iat: input.iat ?? Math.floor(Date.now() / 1000),
    ...(input.accessToken === undefined
      ? {}
      : { ath: createHash('sha256').update(input.accessToken, 'ascii').digest('base64url') }),
    ...(input.nonce === undefined ? {} : { nonce: input.nonce }),
    ...input.payload,
  };
  const header: Record<string, unknown> = { typ: 'dpop+jwt', alg: key.alg, jwk: key.jwk, ...input.header };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  for (const [name, value] of Object.entries(header)) if (value === undefined) delete header[name];
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
}

/** An unsigned (`alg: none`) or hand-made token: header and payload encoded, any signature text. */
export function encodeTestJws(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  signature = '',
): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode(header)}.${encode(payload)}.${signature}`;
}
