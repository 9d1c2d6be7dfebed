import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createInProcessFeed, type FeedMessage, systemClock } from '@gatehouse/core';
import { inProcessTailOptions } from './tail-options.ts';
import { createSharedTail } from './shared-tail.ts';
import { createSseFanOut } from './sse-fanout.ts';

interface Harness {
  server: Server;
  port: number;
  responses: ServerResponse[];
  arrived: Promise<void>;
  /** Ends every open response and stops the server. */
  close(): void;
}

/** An HTTP server whose every request becomes an open SSE response, handed to the test. */
async function startHarness(expected: number): Promise<Harness> {
  const responses: ServerResponse[] = [];
  let arrive = () => {};
  const arrived = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(': hello\n\n');
    responses.push(response);
    if (responses.length === expected) arrive();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const close = () => {
    server.closeAllConnections();
    server.close();
  };
  return { server, port: (server.address() as AddressInfo).port, responses, arrived, close };
}

/** A raw client: counts the body bytes it reads, or reads nothing at all when `stalled`. */
function openClient(port: number, stalled: boolean, version = '1.1') {
  const socket = connect(port, '127.0.0.1');
  socket.write(`GET /stream HTTP/${version}\r\nhost: 127.0.0.1\r\n\r\n`);
  let text = '';
  if (stalled) socket.pause();
  else socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => {});
  return { socket, received: () => text };
}

/** Records what is written to the responses' sockets (where the fan-out writes HTTP/1.1 chunks). */
function spyOnWrites(responses: ServerResponse[]): Buffer[] {
  const writes: Buffer[] = [];
  for (const response of responses) {
    const socket = response.socket!;
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    (socket as unknown as { write: unknown }).write = (...args: unknown[]) => {
      writes.push(args[0] as Buffer);
      return write(...args);
    };
  }
  return writes;
}

const filler = 'x'.repeat(4096);
const event = (n: number): FeedMessage => ({
  kind: 'event',
  cursor: `e.${n}`,
  event: { type: 'session', sid: `${filler}-${n}`, sub: 'u', until: 2_000_000_000_000 },
});

describe('SSE fan-out', { timeout: 20_000 }, () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness(6);
  });
  after(() => harness.close());

  it('drops a follower that stops reading at the bound; the others get every message', async () => {
    let drops = 0;
    const fanOut = createSseFanOut({ maxQueuedBytes: 64 * 1024, onDrop: () => drops++ });
    const clients = [true, false, false, false, false, false].map((stalled) =>
      openClient(harness.port, stalled),
    );
    await harness.arrived;
    const connections = harness.responses.map((response) => fanOut.open(response));
    const stalledResponse = harness.responses.find(
      (response) => response.socket?.remotePort === clients[0]!.socket.localPort,
    )!;
    const stalledClosed = once(stalledResponse, 'close');
    // Up to ~40 MiB per follower: far past what the kernel buffers for the one that never reads.
    let messages = 0;
    while (drops === 0 && messages < 10_000) {
      messages++;
      for (const connection of connections) connection.send(event(messages));
      if (messages % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await stalledClosed;
    assert.equal(drops, 1, 'exactly the stalled follower is dropped');
    for (const connection of connections) connection.end();
    const fast = clients.slice(1);
    // The chunked body's last chunk: every queued message was written before it.
    while (!fast.every(({ received }) => received().endsWith('\r\n0\r\n\r\n')))
      await new Promise((resolve) => setTimeout(resolve, 5));
    for (const { received } of fast) {
      const body = received();
      assert.ok(body.includes(`id: e.1\n`), 'the first message arrived');
      assert.ok(body.includes(`id: e.${messages}\n`), 'the last message arrived');
      assert.equal(body.split('\nevent: revocation\n').length - 1, messages);
    }
    for (const { socket } of clients) socket.destroy();
  });
});

describe('SSE fan-out writes', () => {
  it('queues on send and writes each connection once per turn, the message encoded once', async () => {
    const harness = await startHarness(3);
    try {
      const clients = [1, 2, 3].map(() => openClient(harness.port, false));
      await harness.arrived;
      const writes = spyOnWrites(harness.responses);
      const fanOut = createSseFanOut();
      const connections = harness.responses.map((response) => fanOut.open(response));
      const heartbeat: FeedMessage = { kind: 'heartbeat', cursor: 'e.7', at: 1 };
      for (const connection of connections) connection.send(event(7));
      for (const connection of connections) connection.send(heartbeat);
      assert.equal(writes.length, 0, 'nothing is written while the caller still runs');
      await nextTurn();
      assert.equal(writes.length, 3, 'one write per connection for both messages');
      const [first, second] = writes;
      assert.match(
        first!.toString(),
        /^[0-9a-f]+\r\nid: e\.7\nevent: revocation\n.*\n\nid: e\.7\nevent: heartbeat\n/s,
      );
      assert.deepEqual(first, second);
      const later: FeedMessage = { kind: 'heartbeat', cursor: 'e.7', at: 2 };
      for (const connection of connections) connection.send(later);
      await nextTurn();
      const chunks = writes.slice(3);
      assert.equal(chunks.length, 3);
      assert.ok(
        chunks.every((chunk) => chunk === chunks[0]),
        'a message alone is written as the same encoded bytes to every follower',
      );
      for (const connection of connections) connection.end();
      for (const { socket } of clients) socket.destroy();
    } finally {
      harness.close();
    }
  });

  it('writes followers that queued the same messages one shared concatenation, framed once', async () => {
    const harness = await startHarness(3);
    try {
      const clients = [1, 2, 3].map(() => openClient(harness.port, false));
      await harness.arrived;
      const writes = spyOnWrites(harness.responses);
      const fanOut = createSseFanOut();
      const connections = harness.responses.map((response) => fanOut.open(response));
      // As a tail hands them out: the same message objects to every follower.
      const heartbeat: FeedMessage = { kind: 'heartbeat', cursor: 'e.6', at: 1 };
      const revocation = event(7);
      for (const connection of connections) {
        connection.send(heartbeat);
        connection.send(revocation);
      }
      await nextTurn();
      assert.equal(writes.length, 3);
      assert.match(writes[0]!.toString(), /^[0-9a-f]+\r\nid: e\.6\nevent: heartbeat\n.*\n\nid: e\.7\n/s);
      assert.ok(
        writes.every((chunk) => chunk === writes[0]),
        'one buffer for all three, not one concatenation each',
      );
      for (const connection of connections) connection.end();
      for (const { socket } of clients) socket.destroy();
    } finally {
      harness.close();
    }
  });

  it('writes a bounded number of connections per turn of the event loop', async () => {
    const harness = await startHarness(5);
    try {
      const clients = [1, 2, 3, 4, 5].map(() => openClient(harness.port, false));
      await harness.arrived;
      const written = spyOnWrites(harness.responses);
      const fanOut = createSseFanOut({ firstWrites: 1, writesPerTurn: 2 });
      const connections = harness.responses.map((response) => fanOut.open(response));
      for (const connection of connections) connection.send(event(1));
      assert.equal(written.length, 0);
      await Promise.resolve();
      assert.equal(written.length, 1, 'the first connection once the sender is done');
      await nextTurn();
      assert.equal(written.length, 3, 'two more on the next turn');
      await nextTurn();
      assert.equal(written.length, 5);
      for (const connection of connections) connection.end();
      for (const { socket } of clients) socket.destroy();
    } finally {
      harness.close();
    }
  });

  it('delivers every message in order to each of many followers while writing them in slices', async () => {
    const followers = 40;
    const harness = await startHarness(followers);
    try {
      const clients = Array.from({ length: followers }, () => openClient(harness.port, false));
      await harness.arrived;
      const written = spyOnWrites(harness.responses);
      const fanOut = createSseFanOut({ firstWrites: 2, writesPerTurn: 5 });
      const connections = harness.responses.map((response) => fanOut.open(response));
      // Other work gets its turn while the fan-out is under way: it runs before the last write.
      let writesBeforeOtherWork = -1;
      const messages = 6;
      for (let n = 1; n <= messages; n++) {
        for (const connection of connections) connection.send(event(n));
        if (n === 1) setImmediate(() => (writesBeforeOtherWork = written.length));
        // Later messages are sent while earlier ones are still being written.
        await nextTurn();
      }
      await nextTurn();
      assert.ok(
        writesBeforeOtherWork > 0 && writesBeforeOtherWork < followers,
        `other work ran between slices (after ${writesBeforeOtherWork} of ${followers} writes)`,
      );
      const expected = Array.from({ length: messages }, (_, index) => `e.${index + 1}`);
      const idsOf = (text: string) => [...text.matchAll(/^id: (\S+)$/gm)].map((match) => match[1]);
      const deadline = Date.now() + 5_000;
      while (clients.some(({ received }) => idsOf(received()).length < messages) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
      for (const { received } of clients) assert.deepEqual(idsOf(received()), expected);
      for (const connection of connections) connection.end();
      for (const { socket } of clients) socket.destroy();
    } finally {
      harness.close();
    }
  });

  it('writes a body without chunked encoding (an HTTP/1.0 client) through the response', async () => {
    const harness = await startHarness(1);
    try {
      const client = openClient(harness.port, false, '1.0');
      await harness.arrived;
      const connection = createSseFanOut().open(harness.responses[0]!);
      connection.send(event(1));
      connection.send({ kind: 'heartbeat', cursor: 'e.1', at: 5 });
      connection.end();
      await once(client.socket, 'end');
      const body = client.received().split('\r\n\r\n').slice(1).join('\r\n\r\n');
      assert.match(
        body,
        /^: hello\n\nid: e\.1\nevent: revocation\n.*\n\nid: e\.1\nevent: heartbeat\ndata: \{"at":5\}\n\n$/s,
      );
    } finally {
      harness.close();
    }
  });
});

describe('SSE fan-out behind a shared tail, as the stream route sets it up', { timeout: 20_000 }, () => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness(4);
  });
  after(() => harness.close());

  it('still drops a follower that stops reading at the bound, with heartbeats spread and writes unsliced', async () => {
    let drops = 0;
    // The route's writer: the tail slices the hand-out, the writer writes each turn's followers whole.
    const fanOut = createSseFanOut({
      maxQueuedBytes: 64 * 1024,
      firstWrites: Number.POSITIVE_INFINITY,
      writesPerTurn: Number.POSITIVE_INFINITY,
      onDrop: () => drops++,
    });
    const feed = createInProcessFeed({ clock: systemClock, heartbeatMs: 0 });
    const tail = createSharedTail({
      source: feed,
      ...inProcessTailOptions(feed),
      deliveriesPerTurn: 2,
      heartbeatSpreadMs: 50,
    });
    const clients = [true, false, false, false].map((stalled) => openClient(harness.port, stalled));
    await harness.arrived;
    const controller = new AbortController();
    const follows = harness.responses.map((response) => {
      const connection = fanOut.open(response);
      const done = tail.follow(feed.head, (message) => connection.send(message), controller.signal);
      return { connection, done };
    });
    const stalledResponse = harness.responses.find(
      (response) => response.socket?.remotePort === clients[0]!.socket.localPort,
    )!;
    const stalledClosed = once(stalledResponse, 'close');
    let published = 0;
    for (let batch = 0; drops === 0 && batch < 500; batch++) {
      const events = Array.from({ length: 20 }, () => ({
        type: 'session' as const,
        sid: `${filler}-${++published}`,
        sub: 'u',
        until: Date.now() + 600_000,
      }));
      await feed.publish(events);
      feed.heartbeat();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await stalledClosed;
    assert.equal(drops, 1, 'exactly the stalled follower is dropped');
    const fast = clients.slice(1);
    // Every event reaches the others, each once.
    const count = (text: string) => text.split('\nevent: revocation\n').length - 1;
    const deadline = Date.now() + 10_000;
    while (!fast.every(({ received }) => count(received()) === published) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5));
    for (const { received } of fast) assert.equal(count(received()), published);
    controller.abort();
    tail.close();
    await Promise.all(follows.map(({ done }) => done));
    for (const { connection } of follows) connection.end();
    for (const { socket } of clients) socket.destroy();
  });
});
