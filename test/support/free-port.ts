import { createServer } from 'node:net';

/**
 * A loopback port that was free a moment ago, for programs that must be told their port up front
 * (the issuer follows PORT; workerd reads its port from its config). Binding port 0 is still the
 * way where a program reports the port it got.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
