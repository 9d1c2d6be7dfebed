// A Deno service guarded by @gatehouse/verify: `deno run --allow-net --allow-env main.js` in a
// project with `npm install @gatehouse/verify` (Deno picks the package's WebCrypto build).
import { createSseFeedSource, createVerifier } from '@gatehouse/verify';

const authServer = Deno.env.get('GATEHOUSE_URL') ?? 'http://localhost:3000';
const verifier = createVerifier({
  issuer: Deno.env.get('GATEHOUSE_ISSUER') ?? 'http://localhost:3000',
  audience: Deno.env.get('GATEHOUSE_AUDIENCE') ?? 'gatehouse',
  algorithms: ['ES256'],
  jwksUrl: `${authServer}/.well-known/jwks.json`,
  feed: createSseFeedSource({ baseUrl: authServer }),
});
await verifier.start();

Deno.serve(
  {
    hostname: '127.0.0.1',
    port: Number(Deno.env.get('PORT') ?? 8080),
    onListen: ({ port }) => console.log(`listening on ${port}`),
  },
  async (request) => {
    const result = await verifier.verifyRequest({ headers: fromFetch(request.headers) });
    if (!result.ok) return Response.json({ error: 'unauthorized' }, { status: result.status });
    return Response.json({ sub: result.principal.sub, runtime: `deno ${Deno.version.deno}` });
  },
);

/** verifyRequest takes Node-style headers: the two it reads, from a Fetch `Headers`. */
function fromFetch(headers) {
  return {
    authorization: headers.get('authorization') ?? undefined,
    cookie: headers.get('cookie') ?? undefined,
  };
}
