import { connect, createServer, type Socket } from 'node:net';

const HOST = '127.0.0.1';

/**
 * How a cut looks to the client. `reset`: every connection is closed at once and new ones are
 * closed as soon as they are accepted (a dead peer). `blackhole`: no byte goes through in either
 * direction any more, but nothing is closed (a network partition: the client's sockets stay
 * half-open until it gives up on them itself).
 */
export type CutMode = 'reset' | 'blackhole';

export interface TcpProxy {
  readonly port: number;
  cut(mode: CutMode): void;
  /**
   * New connections go through again. Connections blackholed by the cut stay silent for good, as
   * after a partition that outlived the peer's state: the client has to notice and reconnect.
   */
  restore(): void;
  /**
   * New connections go to `port` from now on, and open ones are closed, as when an address moves
   * to another server (a promoted replica behind a virtual IP or a Sentinel-aware DNS name).
   */
  retarget(port: number): void;
  close(): Promise<void>;
}

interface Link {
  client: Socket;
  upstream: Socket | undefined;
  forwarding: boolean;
}

/** A TCP proxy on 127.0.0.1 (random port) to `targetPort`, that a test can cut and restore. */
export async function startTcpProxy(initialTarget: number): Promise<TcpProxy> {
  let targetPort = initialTarget;
  let state: 'open' | CutMode = 'open';
  const links = new Set<Link>();
  const destroy = (link: Link) => {
    link.client.destroy();
    link.upstream?.destroy();
    links.delete(link);
  };

  const server = createServer((client) => {
    client.on('error', () => {});
    if (state === 'reset') {
      client.destroy();
      return;
    }
    const link: Link = { client, upstream: undefined, forwarding: state === 'open' };
    links.add(link);
    client.on('close', () => destroy(link));
    // Read and drop while blackholed, so the client sees silence rather than backpressure.
    client.on('data', (chunk) => {
      if (link.forwarding) link.upstream?.write(chunk);
    });
    if (!link.forwarding) return;
    const upstream = connect(targetPort, HOST);
    link.upstream = upstream;
    upstream.on('error', () => {});
    upstream.on('close', () => destroy(link));
    upstream.on('data', (chunk) => {
      if (link.forwarding) client.write(chunk);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve());
  });
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('proxy has no address');

  return {
    port: address.port,
    cut(mode) {
      state = mode;
      for (const link of [...links]) {
        if (mode === 'reset') destroy(link);
        else link.forwarding = false;
      }
    },
    restore() {
      state = 'open';
    },
    retarget(port) {
      targetPort = port;
      for (const link of [...links]) destroy(link);
    },
    async close() {
      state = 'reset';
      for (const link of [...links]) destroy(link);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
