import type { GatehouseConfig } from './config.ts';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function effectivePort(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/**
 * The address a person should open in a browser. The issuer when it was set; otherwise
 * `http://localhost:<port>` (the default issuer's host: browsers treat it as a secure context,
 * so the `__Host-` cookie works over plain http).
 */
export function browserUrl(
  config: Pick<GatehouseConfig, 'issuer' | 'issuerIsDefault'>,
  port: number,
): string {
  if (!config.issuerIsDefault) return `${config.issuer}/`;
  return `http://localhost:${port}/`;
}

/**
 * A start-up warning when an explicit issuer on this machine (localhost, 127.0.0.1, [::1]) names
 * another port than the one the server listens on: tokens, discovery and the allowed origins would
 * all point at a server that is not this one. A public issuer (behind a proxy) is not second-guessed.
 */
export function issuerPortWarning(
  config: Pick<GatehouseConfig, 'issuer' | 'issuerIsDefault'>,
  listeningPort: number,
): string | null {
  if (config.issuerIsDefault) {
    const issuerPort = effectivePort(new URL(config.issuer));
    if (issuerPort === listeningPort) return null;
    // PORT=0: the port was picked after the issuer was fixed.
    return `PORT=0 picked port ${listeningPort}, but the default issuer stays ${config.issuer}: set GATEHOUSE_ISSUER=http://localhost:${listeningPort} (or a fixed PORT) to sign in from a browser.`;
  }
  const issuer = new URL(config.issuer);
  if (!LOOPBACK_HOSTS.has(issuer.hostname) && !issuer.hostname.startsWith('127.')) return null;
  const issuerPort = effectivePort(issuer);
  if (issuerPort === listeningPort) return null;
  return `GATEHOUSE_ISSUER is ${config.issuer} (port ${issuerPort}) but the server listens on port ${listeningPort}: tokens, discovery and the allowed origins name the issuer's port, so the web UI at port ${listeningPort} will be refused. Set GATEHOUSE_ISSUER to this server's address, or unset it to follow PORT.`;
}
