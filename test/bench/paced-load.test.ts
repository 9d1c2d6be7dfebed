/**
 * The bench's paced login flood (bench/lib/paced-load.ts): requests leave evenly spaced, not in a
 * burst at the start of each second as autocannon's `overallRate` sends them; the in-flight set is
 * capped and what could not be sent is counted; legitimate users retry a 503 after Retry-After.
 * Bounds are loose (a busy machine delays timers); no performance figure is asserted.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { runLegitLogins, runPacedLoad } from '../../bench/lib/paced-load.ts';

async function serve(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/login`, server };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

describe('paced load (bench)', () => {
  it('spreads the requests over the second instead of sending them at its start', async () => {
    const arrivals: number[] = [];
    const { url, server } = await serve((request, response) => {
      arrivals.push(performance.now());
      request.resume();
      request.on('end', () => response.end('{}'));
    });
    try {
      const result = await runPacedLoad({
        url,
        method: 'POST',
        body: '{}',
        ratePerSecond: 100,
        durationSeconds: 1,
      });
      assert.equal(result.due, 100);
      assert.equal(result.sent, 100);
      assert.equal(result.notSent, 0);
      assert.deepEqual(result.statusCodes, { 200: 100 });
      // Evenly spaced: 10 per 100 ms. A burst would put all 100 in the first few ms.
      const first = arrivals[0]!;
      const inFirstTenth = arrivals.filter((at) => at - first < 100).length;
      assert.ok(inFirstTenth <= 40, `${inFirstTenth} of 100 arrived in the first 100 ms`);
      assert.ok(arrivals.at(-1)! - first >= 800, `spread over ${arrivals.at(-1)! - first} ms`);
    } finally {
      await close(server);
    }
  });

  it('caps the requests in flight and counts the ones it could not send', async () => {
    const held: ServerResponse[] = [];
    const { url, server } = await serve((_request, response) => held.push(response));
    try {
      const load = runPacedLoad({ url, ratePerSecond: 100, durationSeconds: 0.3, maxInFlight: 5 });
      // Answer the held requests only after the generator has stopped sending.
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const response of held) response.end();
      const result = await load;
      assert.equal(held.length, 5);
      assert.equal(result.sent, 5);
      assert.equal(result.notSent, result.due - 5);
      assert.ok(result.notSent > 0);
      assert.deepEqual(result.statusCodes, { 200: 5 });
    } finally {
      await close(server);
    }
  });

  it('lets a legitimate user retry a 503 after its Retry-After', async () => {
    let calls = 0;
    const { url, server } = await serve((request, response) => {
      request.resume();
      calls++;
      if (calls === 1) response.writeHead(503, { 'retry-after': '0' }).end();
      else response.end('{}');
    });
    try {
      const result = await runLegitLogins({
        url,
        body: '{}',
        usersPerSecond: 10,
        durationSeconds: 0.1,
        maxTries: 3,
      });
      assert.deepEqual(
        {
          users: result.users,
          firstTry: result.firstTry,
          eventually: result.eventually,
          tries: result.triesOfSuccessful,
        },
        { users: 1, firstTry: 0, eventually: 1, tries: 2 },
      );
      assert.equal(calls, 2);
    } finally {
      await close(server);
    }
  });

  it('sends from the given source addresses, each user with its own body', async () => {
    const seen: string[] = [];
    const { url, server } = await serve((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        seen.push(`${request.socket.remoteAddress} ${body}`);
        response.end('{}');
      });
    });
    try {
      const flood = await runPacedLoad({
        url,
        method: 'POST',
        body: 'flood',
        ratePerSecond: 50,
        durationSeconds: 0.1,
        localAddress: '127.0.0.2',
      });
      assert.ok(flood.completed > 0);
      assert.ok(
        seen.every((line) => line === '127.0.0.2 flood'),
        seen.join(', '),
      );
      seen.length = 0;
      const users = await runLegitLogins({
        url,
        usersPerSecond: 20,
        durationSeconds: 0.1,
        maxTries: 1,
        bodies: ['a', 'b'],
        localAddresses: ['127.0.1.1', '127.0.1.2'],
      });
      assert.equal(users.eventually, 2);
      assert.deepEqual(seen.sort(), ['127.0.1.1 a', '127.0.1.2 b']);
    } finally {
      await close(server);
    }
  });
});
