import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setUpExpressSession } from '../workers/http/express-session-feature.ts';

/**
 * A real express-session cookie (`connect.sid=s%3A<id>.<signature>`), minted by the same
 * middleware the HTTP scenario loads, on a throw-away loopback server.
 */
export async function mintExpressSessionCookie(redisUrl: string): Promise<string> {
  const setup = await setUpExpressSession({ databaseUrl: '', redisUrl, fail: () => {} });
  const server = createServer((request, response) => {
    const handler = setup.routes[request.url ?? ''];
    if (!handler) return void response.writeHead(404).end();
    Promise.resolve(handler(request, response)).catch(() => response.writeHead(500).end());
  });
  try {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const [mintedCase] = (await setup.afterListen?.(`http://127.0.0.1:${port}`)) ?? [];
    const cookie = mintedCase?.headers.cookie;
    if (!cookie) throw new Error('express-session minted no cookie');
    return cookie;
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await setup.close?.();
  }
}
