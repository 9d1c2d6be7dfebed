import type { ServerResponse } from 'node:http';
import { encodeSseMessage, type FeedMessage } from '@gatehouse/core';

export interface SseFanOutOptions {
  /**
   * Bytes a follower may have waiting while its socket refuses more (its reader is slower than
   * the feed); past this the follower is dropped and reconnects from its cursor. Default 1 MiB.
   */
  maxQueuedBytes?: number;
  /** Connections written per turn of the event loop before yielding to other work. Default 256. */
  writesPerTurn?: number;
  /**
   * Connections written as soon as the code that queued a message is done, before yielding to the
   * event loop: with few followers a message leaves at once. Default 32.
   */
  firstWrites?: number;
  /** Told each time a follower is dropped for falling behind. */
  onDrop?: () => void;
}

export interface SseConnection {
  /** Queues one message; it is written on the next turn of the event loop, with whatever else is queued. */
  send(message: FeedMessage): void;
  /** Writes what is queued and ends the response. */
  end(): void;
}

export interface SseFanOut {
  /** Takes over the body of a response whose headers (and first bytes) were already written. */
  open(response: ServerResponse): SseConnection;
}

// The same message object reaches every follower: it is encoded once, for all of them.
const encoded = new WeakMap<FeedMessage, Buffer>();
const framed = new WeakMap<Buffer, Buffer>();
const CRLF = Buffer.from('\r\n');

/** `bytes` as one HTTP/1.1 chunk (size line, data, CRLF), built once per message. */
function frame(bytes: Buffer): Buffer {
  let chunk = framed.get(bytes);
  if (!chunk) {
    chunk = Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`, 'latin1'), bytes, CRLF]);
    framed.set(bytes, chunk);
  }
  return chunk;
}

function encode(message: FeedMessage): Buffer {
  let bytes = encoded.get(message);
  if (!bytes) {
    bytes = Buffer.from(encodeSseMessage(message), 'utf8');
    encoded.set(message, bytes);
  }
  return bytes;
}

/**
 * The last queue of several messages written, and its bytes. The followers of one pass queue the
 * same messages (a heartbeat and the event that overtook its spread pass, say), so they share one
 * concatenation, framed once, instead of each allocating its own (with thousands of followers, that
 * garbage brings the young-generation collections that pause the server).
 */
let joinedParts: Buffer[] = [];
let joined: Buffer | null = null;

/** Larger queues (a catch-up burst) are joined for their follower alone, not kept. */
const SHARED_JOIN_BYTES = 64 * 1024;

function join(first: Buffer, more: Buffer[], bytes: number): Buffer {
  if (bytes > SHARED_JOIN_BYTES) return Buffer.concat([first, ...more], bytes);
  if (joined && joinedParts.length === more.length + 1 && joinedParts[0] === first) {
    let same = true;
    for (let index = 0; same && index < more.length; index++) same = joinedParts[index + 1] === more[index];
    if (same) return joined;
  }
  joinedParts = [first, ...more];
  joined = Buffer.concat(joinedParts, bytes);
  return joined;
}

interface Connection extends SseConnection {
  /** Hands everything queued to the socket as one write, unless it is full. */
  write(): void;
  /** On the ready list, waiting for its write. */
  listed: boolean;
}

/**
 * The connections waiting for a write, in the order they became ready, each once. An array
 * reused from one message to the next: a fan-out to thousands allocates nothing here (a Set
 * allocated an iterator result per connection and rebuilt its table as it filled and emptied).
 * Garbage matters at this scale: with 3,000 followers each young-generation collection pauses the
 * server 11–20 ms, so fewer bytes per fan-out means fewer such pauses.
 */
interface ReadyList {
  add(connection: Connection): void;
  /** The next connection to write, or undefined when none is left. */
  take(): Connection | undefined;
  readonly size: number;
}

function createReadyList(): ReadyList {
  const items: (Connection | undefined)[] = [];
  let head = 0;
  let tail = 0;
  return {
    add(connection) {
      if (connection.listed) return;
      connection.listed = true;
      items[tail++] = connection;
    },
    take() {
      if (head === tail) return undefined;
      const connection = items[head]!;
      items[head++] = undefined;
      if (head === tail) head = tail = 0;
      connection.listed = false;
      return connection;
    },
    get size() {
      return tail - head;
    },
  };
}

/**
 * Writes the revocation stream to many SSE followers without stalling the server: a message
 * only queues (so a revoke call returns before thousands of sockets are written); the first
 * `firstWrites` queues are written when the caller's synchronous work is done and the rest on
 * later turns of the event loop, a bounded number of connections per turn, each connection's
 * queue as one write. A follower whose socket is full gets nothing more written
 * until it drains; if what waits for it passes `maxQueuedBytes`, its connection is closed. It
 * reconnects from its last cursor, so nothing is lost, and the others never wait for it.
 */
export function createSseFanOut(options: SseFanOutOptions = {}): SseFanOut {
  const writesPerTurn = options.writesPerTurn ?? 256;
  const firstWrites = Math.min(writesPerTurn, options.firstWrites ?? 32);
  const limits: Limits = {
    maxQueuedBytes: options.maxQueuedBytes ?? 1 << 20,
    onDrop: options.onDrop ?? (() => {}),
  };
  const turns: Turns = { ready: createReadyList(), schedule };
  let scheduled = false;

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    // The first few are written once the caller's synchronous work is done (the feed's routes hand
    // messages out a bounded number per turn, and set this to that number: each turn's followers
    // are written in that turn); the rest on later turns of the event loop.
    queueMicrotask(() => writeSome(firstWrites));
  }

  function writeSome(budget: number): void {
    for (let left = budget; left > 0; left--) {
      const connection = turns.ready.take();
      if (!connection) break;
      connection.write();
    }
    if (turns.ready.size > 0) setImmediate(() => writeSome(writesPerTurn));
    else scheduled = false;
  }

  return { open: (response) => openConnection(response, turns, limits) };
}

interface Limits {
  maxQueuedBytes: number;
  onDrop: () => void;
}

/** The connections with something to write, and how to get a turn to write them. */
interface Turns {
  ready: ReadyList;
  schedule(): void;
}

function openConnection(response: ServerResponse, turns: Turns, limits: Limits): Connection {
  const { ready, schedule } = turns;
  const { maxQueuedBytes, onDrop } = limits;
  // A chunked HTTP/1.1 body is written to its socket as ready-made chunks, one write each (the
  // response's own write costs a third more: size line, data and CRLF gathered per connection).
  const socket = response.headersSent && response.chunkedEncoding ? response.socket : null;
  // What waits to be written: usually one message, kept without an array; more go to `more`.
  let first: Buffer | null = null;
  let more: Buffer[] | null = null;
  let queuedBytes = 0;
  let blocked = false;
  let closed = false;

  const takeQueue = (): Buffer => {
    const chunk = more ? join(first!, more, queuedBytes) : first!;
    first = null;
    more = null;
    queuedBytes = 0;
    return chunk;
  };
  // A closed connection left on the ready list is skipped when its turn comes.
  const close = () => {
    closed = true;
    first = null;
    more = null;
    queuedBytes = 0;
  };
  const onDrain = () => {
    blocked = false;
    if (first && !closed) {
      ready.add(connection);
      schedule();
    }
  };

  const connection: Connection = {
    listed: false,
    send(message) {
      if (closed) return;
      const bytes = encode(message);
      if (!first) first = bytes;
      else if (!more) more = [bytes];
      else more.push(bytes);
      queuedBytes += bytes.length;
      if (!blocked) {
        ready.add(connection);
        schedule();
      } else if (queuedBytes > maxQueuedBytes) {
        // A catch-up burst is written whole (the feed bounds it); only a reader that stops
        // taking what it is sent lets the queue grow while blocked.
        close();
        response.destroy();
        onDrop();
      }
    },
    write() {
      if (closed || blocked || !first) return;
      const chunk = takeQueue();
      // Straight to the socket only while the response holds no bytes of its own: Node 26 keeps the
      // head and the first write in the response itself until the next tick (Node 24 put them in
      // the corked socket), and a chunk written to the socket before them would precede the head.
      if (socket && response.writableLength === socket.writableLength) {
        if (!socket.write(frame(chunk))) {
          blocked = true;
          socket.once('drain', onDrain);
        }
      } else if (!response.write(chunk)) {
        blocked = true;
        response.once('drain', onDrain);
      }
    },
    end() {
      if (closed) return;
      const rest = first ? takeQueue() : undefined;
      close();
      if (rest) response.end(rest);
      else response.end();
    },
  };
  response.once('close', close);
  return connection;
}
