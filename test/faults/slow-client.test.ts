/**
 * Issue 10, point 10: a client that sends part of its headers and then nothing gets 408 within
 * 11 s (headers timeout 10 s, checked every second), instead of holding the socket for a minute.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type FaultServer, startFaultServer } from './support.ts';

const BOUND_MS = 11_000;

function slowHeaders(url: string): Promise<{ reply: string; ms: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(Number(port), hostname, () => {
      socket.write('GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ');
    });
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      reply += chunk;
    });
    socket.on('close', () => resolve({ reply, ms: performance.now() - started }));
    socket.on('error', reject);
    socket.setTimeout(20_000, () => socket.destroy());
  });
}

describe('faults: slow clients', { timeout: 30_000 }, () => {
  let auth: FaultServer;
  before(async () => {
    auth = await startFaultServer({});
  });
  after(() => auth?.close());

  it('a client cut off mid-headers gets 408 within 11 s', async (t) => {
    const { reply, ms } = await slowHeaders(auth.url);
    t.diagnostic(`answered after ${ms.toFixed(0)} ms: ${reply.split('\r\n', 1)[0]}`);
    assert.match(reply, /^HTTP\/1\.1 408 /);
    assert.ok(ms <= BOUND_MS, `408 after ${ms.toFixed(0)} ms`);
  });
});
