import { createAccessTokenVerifier, TokenError } from '@gatehouse/core';
import { startSdkVerifier } from '../../lib/sdk-fixture.ts';
import { ALGORITHMS, ASYMMETRIC, AUDIENCE, createSigningFixture, ISSUER } from '../../lib/signing-fixture.ts';
import { type FeatureSetup, respond } from './types.ts';

const CLAIMS = { sub: 'user-1', sid: 'session-1', roles: ['reader'] };

function bearerToken(header: string | undefined): string | undefined {
  return header?.startsWith('Bearer ') ? header.slice(7) : undefined;
}

/** Routes guarded by the core verifier: every request pays the signature check. */
export async function setUpCoreJwt(): Promise<FeatureSetup> {
  const setup: FeatureSetup = { routes: {}, cases: [] };
  for (const alg of ALGORITHMS) {
    const fixture = await createSigningFixture(alg);
    const verifier = createAccessTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: [alg],
      getKey: fixture.keyring.getVerificationKey,
    });
    const path = `/jwt/core/${alg}`;
    setup.routes[path] = (request, response) => {
      const token = bearerToken(request.headers.authorization);
      if (token === undefined) return respond(response, false);
      try {
        verifier.verify(token);
      } catch (error) {
        if (!(error instanceof TokenError)) throw error;
        return respond(response, false);
      }
      respond(response, true);
    };
    const { token } = await fixture.signer.sign(CLAIMS);
    setup.cases.push({
      name: `JWT ${alg}, core verifier (every request verified)`,
      group: 'jwt',
      path,
      method: 'GET',
      headers: { authorization: `Bearer ${token}` },
    });
  }
  return setup;
}

/** Routes guarded by the SDK as a service deploys it: feed on, cache on. */
export async function setUpSdkJwt(): Promise<FeatureSetup> {
  const setup: FeatureSetup = { routes: {}, cases: [] };
  const closers: (() => Promise<void>)[] = [];
  setup.close = async () => {
    for (const close of closers) await close();
  };
  for (const alg of ASYMMETRIC) {
    const fixture = await createSigningFixture(alg);
    const sdk = await startSdkVerifier(alg, fixture.jwks);
    closers.push(sdk.close);
    const path = `/jwt/sdk/${alg}`;
    setup.routes[path] = async (request, response) => {
      respond(response, (await sdk.verifier.verifyRequest({ headers: request.headers })).ok);
    };
    const { token } = await fixture.signer.sign(CLAIMS);
    setup.cases.push({
      name: `JWT ${alg}, SDK (feed on, cache hit)`,
      group: 'jwt',
      path,
      method: 'GET',
      headers: { authorization: `Bearer ${token}` },
    });
  }
  return setup;
}
