/**
 * The revocation streams a real server holds open (GATEHOUSE_FEED_MAX_STREAMS, and
 * GATEHOUSE_FEED_MAX_STREAMS_PER_ADDRESS while the feed is public), over real sockets. Without a
 * bound, one client opening streams in a loop exhausted the server's file descriptors and every
 * other request found it closed. Client addresses come from X-Forwarded-For (the server trusts
 * loopback as its proxy).
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AuthServer, startAuthServer } from '../e2e/support/gatehouse-stack.ts';

interface Answer {
  status: number;
  head: string;
  socket: Socket;
}

/** `GET /revocations/stream` on a socket of its own; resolves with the status line once it arrives. */
function openStream(url: string, headers: Record<string, string>): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.on('connect', () =>
      socket.write(`GET /revocations/stream HTTP/1.1\r\nhost: ${hostname}\r\n${lines.join('')}\r\n`),
    );
    socket.once('data', (chunk) => {
      const head = chunk.toString('latin1');
      resolve({ status: Number(head.split(' ')[1]), head, socket });
    });
    socket.once('error', reject);
  });
}

const from = (address: string) => ({ 'x-forwarded-for': address });
const A = '203.0.113.7';
const B = '198.51.100.20';

describe('revocation streams a server holds open', { timeout: 60_000 }, () => {
  const open: Socket[] = [];
  const stream = async (url: string, headers: Record<string, string>) => {
    const answer = await openStream(url, headers);
    open.push(answer.socket);
    return answer;
  };
  after(() => {
    for (const socket of open) socket.destroy();
  });

  describe('a public feed: 3 per address, 5 in all', () => {
    let auth: AuthServer;
    before(async () => {
      auth = await startAuthServer({
        serviceToken: false,
        env: {
          GATEHOUSE_FEED_MAX_STREAMS: '5',
          GATEHOUSE_FEED_MAX_STREAMS_PER_ADDRESS: '3',
          GATEHOUSE_TRUST_PROXY: 'loopback',
        },
      });
    });
    after(() => auth?.close());

    it('refuses an address past its streams with 429, and any past the server’s with 503, both with Retry-After; other requests go on', async () => {
      const url = auth.server.url;
      const fromA = [await stream(url, from(A)), await stream(url, from(A)), await stream(url, from(A))];
      assert.deepEqual(
        fromA.map((answer) => answer.status),
        [200, 200, 200],
      );
      const refusedA = await stream(url, from(A));
      assert.equal(refusedA.status, 429, refusedA.head);
      assert.match(refusedA.head, /\r\nretry-after: 5\r\n/i);
      assert.match(refusedA.head, /\{"error":"too_many_attempts"\}/);

      assert.equal((await stream(url, from(B))).status, 200, 'another address has streams of its own');
      assert.equal((await stream(url, from(B))).status, 200);
      const refusedB = await stream(url, from(B));
      assert.equal(refusedB.status, 503, refusedB.head);
      assert.match(refusedB.head, /\r\nretry-after: 5\r\n/i);
      assert.match(refusedB.head, /\{"error":"temporarily_unavailable"\}/);

      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 200, 'the server still answers everything else');
      assert.equal((await fetch(`${url}/revocations`)).status, 200, 'and the snapshot');

      // A stream that ends gives its place back (and a refused one took none): one more from A.
      fromA[0]!.socket.destroy();
      let again: Answer | undefined;
      for (let attempt = 0; attempt < 100 && again?.status !== 200; attempt++) {
        again?.socket.destroy();
        await sleep(20);
        again = await stream(url, from(A));
      }
      assert.equal(again?.status, 200, 'a place freed by a closed stream');
      assert.equal((await stream(url, from(A))).status, 503, 'and only that one');
    });
  });

  describe('a private feed (service token): no count per address, the server’s bound only', () => {
    let auth: AuthServer;
    before(async () => {
      auth = await startAuthServer({
        env: { GATEHOUSE_FEED_MAX_STREAMS: '4', GATEHOUSE_FEED_MAX_STREAMS_PER_ADDRESS: '1' },
      });
    });
    after(() => auth?.close());

    it('lets one caller with the token hold every stream, and refuses the next with 503', async () => {
      const headers = { authorization: `Bearer ${auth.serviceToken}` };
      const answers = [];
      for (let index = 0; index < 4; index++) answers.push((await stream(auth.server.url, headers)).status);
      assert.deepEqual(answers, [200, 200, 200, 200]);
      assert.equal((await stream(auth.server.url, headers)).status, 503);
      assert.equal(
        (await stream(auth.server.url, {})).status,
        401,
        'without the token: refused before counting',
      );
    });
  });
});
