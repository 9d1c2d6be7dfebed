/**
 * Many followers of the auth server's `GET /revocations/stream`, in a process of their own (so
 * the server's process only serves them, and the bench's own process stays free to time the
 * revoke calls). Each follower is a bare TCP socket speaking HTTP/1.1: no SSE parser, only a
 * search for the awaited session id in the bytes it receives, stamped with the wall clock.
 * Started by the bench; not meant to be run by hand.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { runWorker } from '../lib/run-worker.ts';
import { sleep, wallClockMs } from '../lib/timing.ts';

export interface SseFollowersConfig {
  /** The auth server's base URL (http://127.0.0.1:port). */
  url: string;
  followers: number;
}

export type SseFollowersCall =
  /** Forget the last event; watch every follower for this session id. */
  | { op: 'await'; sid: string }
  /** Wait until every follower has seen the awaited id, or `timeoutMs` passed. */
  | { op: 'collect'; timeoutMs: number };

export interface Arrivals {
  /** Wall-clock ms at which each follower that saw the id received it. */
  at: number[];
  /** Followers that did not see it in time. */
  missing: number;
  /** Followers whose connection has closed since they connected (never reopened). */
  closed: number;
}

const CONNECT_BATCH = 100;
const CONNECT_TIMEOUT_MS = 30_000;
/** The comment the server writes first on every stream (routes/revocations.ts). */
const GREETING = 'gatehouse revocation feed';

/** The soft limit on open files, Linux only (Node raises it to the hard limit at start). */
function openFileLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((row) => row.startsWith('Max open files'));
    const soft = line?.split(/\s+/)[3];
    return soft === undefined || soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

interface Follower {
  socket: Socket;
  /** Connected, its request written. */
  requested: boolean;
  greeted: boolean;
  closed: boolean;
  /** The last bytes of the previous read, so an id split across two reads is still found. */
  carry: Buffer;
}

/** What a follower keeps of each read for the next one: longer than any id searched for. */
const CARRY_BYTES = 128;
/** Every follower reads into this one buffer (reads are handled one at a time). */
const READ_BUFFER = Buffer.alloc(64 * 1024);
const NO_CARRY = Buffer.alloc(0);

runWorker<SseFollowersConfig>(async ({ url, followers: count }) => {
  const limit = openFileLimit();
  if (limit < count + 64)
    throw new Error(
      `${count} followers need ${count + 64} open files; the limit is ${limit} (raise ulimit -n)`,
    );
  const { hostname, port } = new URL(url);
  const followers: Follower[] = [];
  let sid = Buffer.alloc(0);
  const greeting = Buffer.from(GREETING, 'latin1');
  let at = new Float64Array(count).fill(Number.NaN);
  let seen = 0;
  let complete: (() => void) | null = null;

  /** Whether `needle` is in the carried bytes followed by this read (searched where it can span both). */
  const found = (follower: Follower, bytes: Buffer, needle: Buffer): boolean => {
    if (needle.length === 0) return false;
    if (bytes.indexOf(needle) >= 0) return true;
    const { carry } = follower;
    if (carry.length === 0) return false;
    const span = Buffer.concat([carry, bytes.subarray(0, needle.length - 1)]);
    return span.indexOf(needle) >= 0;
  };
  // Each read is handled on the socket's own callback (no stream, no string decoding): this
  // process stands in for 3,000 machines, and should take as little of the server's cores as it can.
  const received = (follower: Follower, index: number, bytes: Buffer) => {
    if (!follower.greeted) follower.greeted = found(follower, bytes, greeting);
    if (Number.isNaN(at[index]!) && found(follower, bytes, sid)) {
      at[index] = wallClockMs();
      if (++seen === count) complete?.();
    }
    const keep = Math.min(CARRY_BYTES, bytes.length);
    follower.carry =
      keep === CARRY_BYTES
        ? Buffer.from(bytes.subarray(bytes.length - keep))
        : Buffer.concat([follower.carry, bytes]).subarray(-CARRY_BYTES);
  };

  const open = (index: number): Follower => {
    const follower = { requested: false, greeted: false, closed: false, carry: NO_CARRY } as Follower;
    const socket = connect({
      port: Number(port),
      host: hostname,
      onread: {
        buffer: READ_BUFFER,
        callback: (length: number, buffer: Uint8Array) => {
          received(follower, index, Buffer.from(buffer.buffer, buffer.byteOffset, length));
          return true;
        },
      },
    });
    follower.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      const request = `GET /revocations/stream HTTP/1.1\r\nhost: ${hostname}:${port}\r\naccept: text/event-stream\r\n\r\n`;
      socket.write(request, () => {
        follower.requested = true;
      });
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      follower.closed = true;
    });
    return follower;
  };

  // In batches, each batch's requests sent before the next batch connects (no SYN flood of the
  // listen backlog); then every stream must be greeted (the server writes the greeting as soon as
  // the feed accepted the stream's cursor).
  const deadline = Date.now() + CONNECT_TIMEOUT_MS;
  const waitFor = async (done: (follower: Follower) => boolean, what: string) => {
    while (!followers.every(done)) {
      if (followers.some((follower) => follower.closed))
        throw new Error('a follower was refused or closed while connecting');
      if (Date.now() > deadline)
        throw new Error(`only ${followers.filter(done).length} of ${count} followers ${what} in time`);
      await sleep(5);
    }
  };
  for (let start = 0; start < count; start += CONNECT_BATCH) {
    for (let index = start; index < Math.min(count, start + CONNECT_BATCH); index++)
      followers.push(open(index));
    await waitFor((follower) => follower.requested, 'connected');
  }
  await waitFor((follower) => follower.greeted, 'greeted');

  return {
    ready: { followers: count },
    async call(body: unknown): Promise<Arrivals | undefined> {
      const request = body as SseFollowersCall;
      if (request.op === 'await') {
        sid = Buffer.from(request.sid, 'latin1');
        at = new Float64Array(count).fill(Number.NaN);
        seen = 0;
        return undefined;
      }
      if (seen < count) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, request.timeoutMs);
          complete = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        complete = null;
      }
      return {
        at: [...at].filter((time) => !Number.isNaN(time)),
        missing: count - seen,
        closed: followers.filter((follower) => follower.closed).length,
      };
    },
    async close() {
      for (const follower of followers) follower.socket.destroy();
    },
  };
});
