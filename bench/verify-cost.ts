/**
 * What one access-token verification costs, per algorithm:
 *   (a) raw node:crypto verify of a precomputed signature: the floor, no parsing or claims;
 *   (b) jose `jwtVerify`: the async WebCrypto path most Node services use;
 *   (c) Gatehouse's synchronous verifier: every check of verify-access-token.ts.
 * Prints a markdown table, median of 5 runs. Run: node bench/verify-cost.ts
 */
import { constants, createHmac, type KeyObject, timingSafeEqual, verify } from 'node:crypto';
import {
  createAccessTokenSigner,
  createAccessTokenVerifier,
  createKeyring,
  type SigningAlgorithm,
} from '@gatehouse/core';
import { createMemoryStore } from '@gatehouse/core/testing';
import { jwtVerify } from 'jose';

const RUNS = 5;
const ITERATIONS: Record<SigningAlgorithm, number> = {
  ES256: 3_000,
  EdDSA: 3_000,
  RS256: 3_000,
  HS256: 30_000,
};
const ISSUER = 'https://auth.example.com';
const AUDIENCE = 'api';

function rawVerify(alg: SigningAlgorithm, key: KeyObject, input: Buffer, signature: Buffer): boolean {
  switch (alg) {
    case 'ES256':
      return verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature);
    case 'EdDSA':
      return verify(null, input, key, signature);
    case 'RS256':
      return verify('sha256', input, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
    case 'HS256':
      return timingSafeEqual(createHmac('sha256', key).update(input).digest(), signature);
  }
}

/**
 * Median over RUNS of the time per operation, in microseconds, after one warm-up run. Synchronous
 * operations are not awaited, so their figure carries no promise overhead.
 */
async function measure(iterations: number, operation: () => unknown, isAsync: boolean): Promise<number> {
  const perOp: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const start = process.hrtime.bigint();
    if (isAsync) for (let i = 0; i < iterations; i++) await operation();
    else for (let i = 0; i < iterations; i++) operation();
    const micros = Number(process.hrtime.bigint() - start) / 1000 / iterations;
    if (run > 0) perOp.push(micros);
  }
  return perOp.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
}

const rows: string[] = [];
for (const alg of ['ES256', 'EdDSA', 'RS256', 'HS256'] as const) {
  const keyring = createKeyring({
    store: createMemoryStore().keys,
    kek: new Uint8Array(32).fill(7),
    algorithm: alg,
  });
  const { kid } = await keyring.ensureActiveKey();
  const key = keyring.getVerificationKey(kid)!;
  const signer = createAccessTokenSigner({ issuer: ISSUER, audience: AUDIENCE, keys: keyring });
  const { token } = await signer.sign({ sub: 'user-1', sid: 'session-1', roles: ['admin'] });
  const input = Buffer.from(token.slice(0, token.lastIndexOf('.')));
  const signature = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url');
  const verifier = createAccessTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: [alg],
    getKey: keyring.getVerificationKey,
  });
  const joseOptions = { issuer: ISSUER, audience: AUDIENCE, algorithms: [alg], typ: 'at+jwt' };
  if (!rawVerify(alg, key, input, signature)) throw new Error(`${alg}: raw verify failed`);
  await jwtVerify(token, key, joseOptions);
  verifier.verify(token);

  const cases: [string, () => unknown, boolean][] = [
    ['node:crypto verify (signature only)', () => rawVerify(alg, key, input, signature), false],
    ['jose jwtVerify (async WebCrypto)', () => jwtVerify(token, key, joseOptions), true],
    ['gatehouse verifier (sync, all checks)', () => verifier.verify(token), false],
  ];
  for (const [name, operation, isAsync] of cases) {
    const micros = await measure(ITERATIONS[alg], operation, isAsync);
    rows.push(
      `| ${alg} | ${name} | ${Math.round(1e6 / micros).toLocaleString('en-US')} | ${micros.toFixed(1)} |`,
    );
  }
}

console.log(`Node ${process.version}, ${RUNS} runs, median\n`);
console.log('| algorithm | method | ops/s | µs/op |');
console.log('|---|---|---:|---:|');
for (const row of rows) console.log(row);
