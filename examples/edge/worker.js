// A Cloudflare Worker guarded by @gatehouse/verify (bundled by wrangler or esbuild; workerd picks the
// package's WebCrypto build). A Worker cannot hold a feed connection between requests, so it uses
// pull mode: the verifier pulls GET /revocations?since=CURSOR when its view is older than
// maxStalenessMs, once for all the requests waiting, and takes the snapshot on a cold start.
// Bindings (wrangler.toml [vars]): GATEHOUSE_URL, GATEHOUSE_ISSUER, GATEHOUSE_AUDIENCE, MAX_STALENESS_MS.
import { createPullFeedSource, createVerifier } from '@gatehouse/verify';

let verifier;

/** One verifier per isolate, made on the first request (a Worker may do no I/O at start-up). */
function verifierFor(env) {
  verifier ??= createVerifier({
    issuer: env.GATEHOUSE_ISSUER ?? 'http://localhost:3000',
    audience: env.GATEHOUSE_AUDIENCE ?? 'gatehouse',
    algorithms: ['ES256'],
    jwksUrl: `${env.GATEHOUSE_URL}/.well-known/jwks.json`,
    feed: createPullFeedSource({ baseUrl: env.GATEHOUSE_URL }),
    maxStalenessMs: Number(env.MAX_STALENESS_MS ?? 5000),
  });
  return verifier;
}

export default {
  async fetch(request, env) {
    const guard = verifierFor(env);
    await guard.start(); // once per isolate: the JWKS and the revocation snapshot
    const result = await guard.verifyRequest({ headers: fromFetch(request.headers) });
    if (!result.ok) return Response.json({ error: 'unauthorized' }, { status: result.status });
    return Response.json({ sub: result.principal.sub, runtime: 'workerd' });
  },
};

/** verifyRequest takes Node-style headers: the two it reads, from a Fetch `Headers`. */
function fromFetch(headers) {
  return {
    authorization: headers.get('authorization') ?? undefined,
    cookie: headers.get('cookie') ?? undefined,
  };
}
