import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { computeJwkThumbprint, createDpopProofChecker } from '@gatehouse/core';
import type { Verifier } from '@gatehouse/verify';
import { describeError, formatNumber, formatRatio, formatSpread } from '../lib/format.ts';
import { startSdkVerifier } from '../lib/sdk-fixture.ts';
import { createSigningFixture } from '../lib/signing-fixture.ts';
import { invertSummary, ratio } from '../lib/stats.ts';
import { type Measurement, measureInterleaved, type TimedCase } from '../lib/timing.ts';
import { emptyResult, type Scenario, type ScenarioContext, type ScenarioResult } from '../lib/types.ts';

const SERVICE = 'https://api.example.com';
const PATH = '/orders';
const CLAIMS = { sub: 'user-1', sid: 'session-1', roles: ['admin'] };

function accepting(name: string, verifier: Verifier | null, operation: () => unknown): () => Promise<void> {
  return async () => {
    const outcome = (await operation()) as { ok?: boolean } | undefined;
    if (outcome && outcome.ok === false) throw new Error(`${name}: refused the benchmark request`);
    const rejected = verifier?.metrics().rejected ?? {};
    if (Object.keys(rejected).length > 0)
      throw new Error(`${name}: refused requests (${JSON.stringify(rejected)})`);
  };
}

async function measure(ctx: ScenarioContext, result: ScenarioResult): Promise<void> {
  const fixture = await createSigningFixture('ES256');
  const supply = ctx.quick ? 10_000 : 60_000;
  const closers: (() => Promise<void>)[] = [];
  try {
    const bearer = await fixture.signer.sign(CLAIMS);
    // The client's key: the token is bound to its thumbprint, and every proof is signed by it.
    // Proofs are made before any verifier starts: signing them takes seconds, which would
    // otherwise leave the verifiers' feeds silent long enough to turn them stale.
    const boundKey = createClientKey(supply);
    const bound = await fixture.signer.sign({ ...CLAIMS, jkt: boundKey.jkt });
    const proofs = boundKey.supply(bound.token);
    const coreProofs = boundKey.supply(bound.token);
    // Proofs made at the start stay acceptable for the whole run (a client makes each just in time).
    const window = { maxAgeSeconds: 600, replayCacheSize: supply * 2 };
    const coreChecker = createDpopProofChecker(window);
    const bearerSdk = await startSdkVerifier('ES256', fixture.jwks);
    closers.push(bearerSdk.close);
    const dpopSdk = await startSdkVerifier('ES256', fixture.jwks, { dpop: { baseUrl: SERVICE, ...window } });
    closers.push(dpopSdk.close);

    const bearerRequest = () =>
      bearerSdk.verifier.verifyRequest({
        headers: { authorization: `Bearer ${bearer.token}` },
        method: 'GET',
        url: PATH,
      });
    const dpopRequest = () =>
      dpopSdk.verifier.verifyRequest({
        headers: { authorization: `DPoP ${bound.token}`, dpop: proofs.take() },
        method: 'GET',
        url: `${PATH}?page=2`,
      });
    const proofOnly = () =>
      coreChecker.check({
        proof: coreProofs.take(),
        method: 'GET',
        url: `${SERVICE}${PATH}`,
        accessToken: bound.token,
        expectedJkt: coreProofs.jkt,
      });
    // The signature check every proof costs, whatever else is checked: the floor of the proof cases.
    // Distinct proofs, cycled (a raw signature check has no replay cache): the same input again and
    // again would flatter the floor.
    const floorSamples = boundKey
      .supply(bound.token, 1000)
      .all()
      .map((proof) => {
        const [header, payload, signature] = proof.split('.');
        return {
          input: Buffer.from(`${header}.${payload}`, 'latin1'),
          signature: Buffer.from(signature!, 'base64url'),
        };
      });
    const floorKey = createPublicKey({ key: boundKey.publicJwk, format: 'jwk' });
    let floorNext = 0;
    const floor = () => {
      const sample = floorSamples[floorNext++ % floorSamples.length]!;
      return verify('sha256', sample.input, { key: floorKey, dsaEncoding: 'ieee-p1363' }, sample.signature);
    };
    const cases: (TimedCase & { baseline?: boolean })[] = [
      {
        name: 'SDK verifyRequest, Bearer token (cache hit)',
        operation: bearerRequest,
        isAsync: true,
        baseline: true,
        check: accepting('Bearer', bearerSdk.verifier, bearerRequest),
      },
      {
        name: 'SDK verifyRequest, DPoP-bound token (cache hit) + proof check',
        operation: dpopRequest,
        isAsync: true,
        check: accepting('DPoP', dpopSdk.verifier, dpopRequest),
      },
      {
        name: 'node:crypto ES256 verify of a proof (signature only, the floor)',
        operation: floor,
        isAsync: false,
        check: async () => {
          if (!floor()) throw new Error('floor: signature refused');
        },
      },
      {
        name: 'core DPoP proof check alone (sync)',
        operation: proofOnly,
        isAsync: false,
        check: accepting('proof', null, proofOnly),
      },
    ];
    const outcomes = await measureInterleaved(
      cases,
      ctx.quick ? { runs: 5, runMs: 25 } : { runs: 11, runMs: 200 },
    );
    const measured: { name: string; baseline: boolean; measurement: Measurement }[] = [];
    for (const [index, outcome] of outcomes.entries()) {
      const timedCase = cases[index]!;
      if (!outcome.ok) {
        result.failures.push({ case: timedCase.name, reason: describeError(outcome.error) });
        continue;
      }
      ctx.progress(`${timedCase.name}: ${formatNumber(outcome.measurement.microsPerOp.median)} µs/op`);
      measured.push({
        name: timedCase.name,
        baseline: timedCase.baseline ?? false,
        measurement: outcome.measurement,
      });
    }
    const base = measured.find((entry) => entry.baseline)?.measurement.microsPerOp.median;
    result.sections.push({
      title: 'ES256 access token, ES256 DPoP proof',
      table: {
        columns: ['request', 'ops/s (min–max)', 'µs/op (min–max)', '× Bearer (time)'],
        align: ['left', 'right', 'right', 'right'],
        rows: measured.map(({ name, measurement }) => [
          name,
          formatSpread(invertSummary(measurement.microsPerOp)),
          formatSpread(measurement.microsPerOp),
          formatRatio(ratio(measurement.microsPerOp.median, base)),
        ]),
      },
      chart: {
        title: 'Time per request check',
        unit: 'µs/op',
        better: 'lower',
        logScale: true,
        bars: measured.map(({ name, baseline, measurement }) => ({
          label: name.replace(/ \(.*$/, ''),
          value: measurement.microsPerOp.median,
          low: measurement.microsPerOp.min,
          high: measurement.microsPerOp.max,
          baseline,
        })),
      },
    });
    const dpop = measured.find((entry) => entry.name.startsWith('SDK verifyRequest, DPoP'))?.measurement
      .microsPerOp.median;
    if (dpop !== undefined && base !== undefined) {
      result.headlines.push(
        `DPoP: a DPoP-checked request costs ${formatNumber(dpop)} µs/op in the SDK against ${formatNumber(base)} µs/op for a cached Bearer token (${formatRatio(ratio(dpop, base))}): the proof's signature check is paid on every request, cache or not.`,
      );
    }
  } finally {
    for (const close of closers) await close();
  }
}

/** A client's ES256 DPoP key; `supply` signs `count` distinct proofs for a token (one per request). */
function createClientKey(count: number) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  const publicJwk = { kty: jwk.kty!, crv: jwk.crv!, x: jwk.x!, y: jwk.y! };
  const thumbprint = computeJwkThumbprint(publicJwk)!;
  return {
    jkt: thumbprint,
    publicJwk,
    supply(accessToken: string, proofCount = count) {
      const header = Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: publicJwk })).toString(
        'base64url',
      );
      const ath = createHash('sha256').update(accessToken, 'ascii').digest('base64url');
      const iat = Math.floor(Date.now() / 1000);
      const proofs: string[] = [];
      // Signed with node:crypto up front: the client's signing is not what is measured.
      for (let index = 0; index < proofCount; index++) {
        const payload = Buffer.from(
          JSON.stringify({
            jti: randomBytes(12).toString('base64url'),
            htm: 'GET',
            htu: `${SERVICE}${PATH}`,
            iat,
            ath,
          }),
        ).toString('base64url');
        const input = `${header}.${payload}`;
        const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
        proofs.push(`${input}.${signature.toString('base64url')}`);
      }
      let next = 0;
      return {
        jkt: thumbprint,
        all: () => proofs,
        take(): string {
          const proof = proofs[next++];
          if (proof === undefined) throw new Error('ran out of DPoP proofs: raise the supply');
          return proof;
        },
      };
    },
  };
}

export const dpopScenario: Scenario = {
  name: 'dpop',
  title: 'DPoP: a proof-checked request next to a Bearer one',
  async run(ctx) {
    const result = emptyResult();
    await measure(ctx, result);
    result.notes.push(
      'Both SDK verifiers follow an in-process feed and answer the access token from their cache; the DPoP one also checks a fresh proof on every request (typ, alg, public jwk, ES256 signature, htm, htu, iat, ath, jti against its replay cache, the key against cnf.jkt).',
      'Proofs are signed up front with node:crypto (a client signs its own; that cost is not the server’s), each used once: replaying one would be refused.',
      'Ratios divide each time per request by the Bearer case measured in the same interleaved runs.',
    );
    return result;
  },
};
