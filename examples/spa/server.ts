/**
 * The example SPA's web server: static files on their own origin (`http://localhost:<SPA_PORT>`),
 * and `/auth/*` forwarded to the auth server. The hybrid's refresh cookie is first-party by
 * design (SameSite=Strict, Path=/auth/refresh, same-origin CSRF checks), so the page's own origin
 * must answer `/auth/`: in production that is one reverse-proxy rule; here it is `forward` below.
 * The API services stay on their own origins: the page calls them with the access token only
 * (CORS, no cookies).
 *
 * Environment (start.ts sets it): PORT, GATEHOUSE_URL (the auth server), ORDERS_URL, BILLING_URL.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { stopOnSignals } from '../microservices/lib/stop-on-signals.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required (start.ts sets it)`);
  return value;
}

const port = Number(process.env.PORT ?? 5173);
const authUrl = required('GATEHOUSE_URL');
const apis = { orders: required('ORDERS_URL'), billing: required('BILLING_URL') };
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const clientDist = here('../../packages/client/dist/');
if (!existsSync(`${clientDist}index.js`)) {
  console.error(
    'spa: the client is not built: run `npm run build -w @gatehouse/client` (npm run example:spa does)',
  );
  process.exit(1);
}

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json',
};
// Scripts from this origin only; connections to this origin (the /auth/ proxy) and the two APIs.
const CSP =
  `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ${apis.orders} ${apis.billing}; ` +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Read once, served from memory: the page, its script and style, the built client, the API URLs. */
const files = new Map<string, { type: string; body: Buffer }>();
const add = (path: string, type: string, body: Buffer | string) =>
  files.set(path, { type: CONTENT_TYPES[type]!, body: Buffer.from(body) });
add('/', 'html', readFileSync(here('./index.html')));
add('/app.js', 'js', readFileSync(here('./app.js')));
add('/styles.css', 'css', readFileSync(here('./styles.css')));
add('/config.json', 'json', JSON.stringify(apis));
for (const name of readdirSync(clientDist).filter((file) => file.endsWith('.js')))
  add(`/client/${name}`, 'js', readFileSync(`${clientDist}${name}`));

/** Request headers the auth server needs to see as the browser sent them. */
const FORWARDED_REQUEST = [
  'accept',
  'authorization',
  'content-type',
  'cookie',
  'origin',
  'sec-fetch-site',
  'user-agent',
  'x-csrf-token',
];
const FORWARDED_RESPONSE = ['cache-control', 'content-type', 'retry-after', 'www-authenticate'];

async function forward(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const name of FORWARDED_REQUEST) {
    const value = request.headers[name];
    if (typeof value === 'string') headers.set(name, value);
  }
  const upstream = await fetch(`${authUrl}${request.url}`, {
    method: request.method ?? 'GET',
    headers,
    body: chunks.length > 0 ? Buffer.concat(chunks) : null,
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  for (const name of FORWARDED_RESPONSE) {
    const value = upstream.headers.get(name);
    if (value !== null) response.setHeader(name, value);
  }
  const cookies = upstream.headers.getSetCookie();
  if (cookies.length > 0) response.setHeader('set-cookie', cookies);
  response.writeHead(upstream.status);
  response.end(Buffer.from(await upstream.arrayBuffer()));
}

const server = createServer((request, response) => {
  const path = (request.url ?? '/').split('?')[0]!;
  if (path.startsWith('/auth/')) {
    forward(request, response).catch((error: unknown) => {
      console.error(`spa: /auth/ proxy: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'application/json' });
      response.end('{"error":"bad_gateway"}');
    });
    return;
  }
  const file = request.method === 'GET' || request.method === 'HEAD' ? files.get(path) : undefined;
  if (!file) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  response.writeHead(200, {
    'content-type': file.type,
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  });
  response.end(request.method === 'HEAD' ? undefined : file.body);
});

server.on('error', (error) => {
  console.error(`spa: cannot listen on port ${port}: ${error.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  // localhost, not 127.0.0.1: browsers treat it as a secure context, which the __Secure- cookie needs.
  console.log(`spa listening on http://localhost:${typeof address === 'object' && address?.port}`);
});
stopOnSignals('spa', async () => {
  server.close();
  server.closeAllConnections();
});
