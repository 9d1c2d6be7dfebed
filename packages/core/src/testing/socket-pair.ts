import { once } from 'node:events';
import { createConnection, createServer, type Socket } from 'node:net';

/**
 * A connected pair of TCP sockets on the loopback interface: `client` writes, `server` reads
 * (utf8). Tests use it as "other I/O" that the event loop must poll for to see.
 */
export async function socketPair(): Promise<{ client: Socket; server: Socket; close(): void }> {
  const listener = createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const { port } = listener.address() as { port: number };
  const accepted = once(listener, 'connection') as Promise<[Socket]>;
  const client = createConnection(port, '127.0.0.1');
  await once(client, 'connect');
  const [server] = await accepted;
  server.setEncoding('utf8');
  return {
    client,
    server,
    close() {
      client.destroy();
      server.destroy();
      listener.close();
    },
  };
}
