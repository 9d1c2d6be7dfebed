// A Bun service guarded by @gatehouse/verify: `bun run main.js` in a project with
// `bun add @gatehouse/verify` (Bun picks the package's WebCrypto build).
import { createSseFeedSource, createVerifier } from '@gatehouse/verify';

const authServer = process.env.GATEHOUSE_URL ?? 'http://localhost:3000';
const verifier = createVerifier({
  issuer: process.env.GATEHOUSE_ISSUER ?? 'http://localhost:3000',
  audience: process.env.GATEHOUSE_AUDIENCE ?? 'gatehouse',
  algorithms: ['ES256'],
  jwksUrl: `${authServer}/.well-known/jwks.json`,
  feed: createSseFeedSource({ baseUrl: authServer }),
});
await verifier.start();

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: Number(process.env.PORT ?? 8080),
  async fetch(request) {
    const result = await verifier.verifyRequest({ headers: fromFetch(request.headers) });
    if (!result.ok) return Response.json({ error: 'unauthorized' }, { status: result.status });
    return Response.json({ sub: result.principal.sub, runtime: `bun ${Bun.version}` });
  },
});
console.log(`listening on ${server.port}`);

/** verifyRequest takes Node-style headers: the two it reads, from a Fetch `Headers`. */
function fromFetch(headers) {
  return {
    authorization: headers.get('authorization') ?? undefined,
    cookie: headers.get('cookie') ?? undefined,
  };
}
