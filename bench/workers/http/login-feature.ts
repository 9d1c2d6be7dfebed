import { argon2Sync, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createArgon2Hasher,
  createAuth,
  createThreadedArgon2Hasher,
  defaultArgon2Params,
  defaultHashConcurrency,
  DEFAULT_HASH_QUEUE,
  limitHasher,
  OverloadedError,
  type PasswordHasher,
} from '@gatehouse/core';
import { BENCH_PASSWORD, createSessionFixture } from '../../lib/session-fixture.ts';
import { median } from '../../lib/stats.ts';
import { openBenchStore } from '../../lib/stores.ts';
import { type FeatureSetup, respond } from './types.ts';

const OVERLOADED_BODY = '{"error":"temporarily_unavailable"}';

/** The server's answer at capacity: 503 + Retry-After, nothing hashed. */
function respondOverloaded(response: ServerResponse): void {
  response.writeHead(503, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(OVERLOADED_BODY),
    'cache-control': 'no-store',
    'retry-after': '1',
  });
  response.end(OVERLOADED_BODY);
}

const MAX_BODY_BYTES = 16 * 1024;

/** Accounts of the legitimate users of the flood rows (one each, the flood targets another). */
const OTHER_ACCOUNTS = 80;

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

/**
 * The mistake isolation avoids, for contrast: the same Argon2id work done synchronously on the
 * event loop, so every other request waits for each hash. Not how Gatehouse hashes.
 */
function hashBlocking(password: unknown): void {
  argon2Sync('argon2id', {
    message: Buffer.from(String(password)),
    nonce: randomBytes(16),
    parallelism: defaultArgon2Params.parallelism,
    tagLength: 32,
    memory: defaultArgon2Params.memoryKiB,
    passes: defaultArgon2Params.passes,
  });
}

/** How long one hash takes on `hasher`'s threads here: the median of three. */
async function medianHashMs(hasher: PasswordHasher): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    await hasher.hash(BENCH_PASSWORD);
    times.push(performance.now() - start);
  }
  return median(times);
}

/**
 * A stand-in for the contrast row only: `verify` waits `ms` (a timer, no CPU) and then accepts the
 * bench's password, whatever the stored hash; `hash` is the real one (accounts are registered as
 * usual). Never a hasher to log anyone in with.
 */
function waitingHasher(real: PasswordHasher, ms: number): PasswordHasher {
  return {
    hash: (password) => real.hash(password),
    verify: (_encoded, password) =>
      new Promise((resolve) => setTimeout(() => resolve(password === BENCH_PASSWORD), ms)),
    needsRehash: () => false,
  };
}

/**
 * POST /login through the core's real login (Argon2id with the default parameters, on the libuv
 * pool) over SQLite: what a login flood costs the process that also serves guarded routes.
 */
export async function setUpLogin(): Promise<FeatureSetup> {
  const bench = await openBenchStore('sqlite', { databaseUrl: '', redisUrl: '' });
  try {
    const fixture = await createSessionFixture(bench.store, createArgon2Hasher());
    // What the server runs: at most cores − 1 hashes at once, on as many worker threads at the
    // lowest OS priority, 16 waiting, the rest refused (503).
    // Hashes a rescue thread (nice 10) took over because their thread had no CPU: GET /hash-rescues.
    let rescued = 0;
    const threads = createThreadedArgon2Hasher(defaultArgon2Params, {
      threads: defaultHashConcurrency(),
      onRescue: () => rescued++,
    });
    const bounded = await createSessionFixture(bench.store, limitHasher(threads));
    // The same bound with the hashes on the libuv pool at normal priority (before the threads).
    const boundedPool = await createSessionFixture(bench.store, limitHasher(createArgon2Hasher()));
    // The same bound again with each hash replaced by a wait as long as one (contrast): the flood's
    // cost without the hashing CPU, all else the same (places, queue, logins served, the route).
    const hashMs = await medianHashMs(threads);
    const boundedWait = await createSessionFixture(bench.store, limitHasher(waitingHasher(threads, hashMs)));
    // Accounts for the legitimate users, registered once (every bounded fixture shares the store).
    const registrar = createAuth({ store: bench.store, hasher: createArgon2Hasher() });
    const otherEmails = Array.from({ length: OTHER_ACCOUNTS }, (_, i) => `user-${i}-${bounded.email}`);
    await Promise.all(otherEmails.map((email) => registrar.register({ email, password: BENCH_PASSWORD })));
    const boundedRoute =
      (auth: typeof bounded.auth) => async (request: IncomingMessage, response: ServerResponse) => {
        const body = await readJson(request);
        try {
          // Who is asking, as the server passes it (its client address with no proxy trusted: the
          // socket peer): the bound shares its places fairly by address and by account.
          await auth.login(
            { email: body.email, password: body.password },
            { ip: request.socket.remoteAddress ?? null, userAgent: null },
          );
          respond(response, true);
        } catch (error) {
          if (error instanceof OverloadedError) respondOverloaded(response);
          else respond(response, false);
        }
      };
    const loginBody = (email: string) => JSON.stringify({ email, password: BENCH_PASSWORD });
    return {
      routes: {
        '/login': async (request, response) => {
          const body = await readJson(request);
          try {
            await fixture.auth.login({ email: body.email, password: body.password });
            respond(response, true);
          } catch {
            respond(response, false);
          }
        },
        '/login-bounded': boundedRoute(bounded.auth),
        '/login-bounded-pool': boundedRoute(boundedPool.auth),
        '/login-bounded-wait': boundedRoute(boundedWait.auth),
        // The flood's HTTP cost alone: the body read and a 503, no hashing at all (a floor).
        '/login-refused': async (request, response) => {
          await readJson(request);
          respondOverloaded(response);
        },
        '/hash-rescues': (_request, response) => {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ rescued }));
        },
        '/login-blocking': async (request, response) => {
          hashBlocking((await readJson(request)).password);
          respond(response, true);
        },
      },
      cases: [
        {
          name: 'login (Argon2id m=19 MiB, t=2, p=1)',
          group: 'login',
          path: '/login',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: fixture.email, password: BENCH_PASSWORD }),
        },
        {
          name: `login, bounded hashing (${defaultHashConcurrency()} at once on low-priority threads, ${DEFAULT_HASH_QUEUE} waiting, then 503)`,
          group: 'login',
          path: '/login-bounded',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: loginBody(bounded.email),
          otherAccounts: otherEmails.map(loginBody),
        },
        {
          name: `login, bounded hashing on the libuv pool (${defaultHashConcurrency()} at once, ${DEFAULT_HASH_QUEUE} waiting, then 503; before)`,
          group: 'login',
          path: '/login-bounded-pool',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: loginBody(boundedPool.email),
          otherAccounts: otherEmails.map(loginBody),
        },
        {
          name: `login, bounded, each hash replaced by a ${hashMs.toFixed(1)} ms wait (as long as one here; no hashing CPU: contrast)`,
          group: 'login',
          path: '/login-bounded-wait',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: loginBody(boundedWait.email),
          otherAccounts: otherEmails.map(loginBody),
        },
        {
          name: 'login refused at once (503, nothing hashed: the HTTP cost of the flood alone)',
          group: 'login',
          path: '/login-refused',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: loginBody(bounded.email),
        },
        {
          name: 'login hashing on the event loop (argon2Sync, contrast)',
          group: 'login',
          path: '/login-blocking',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: fixture.email, password: BENCH_PASSWORD }),
        },
      ],
      close: async () => {
        await threads.close();
        await bench.close();
      },
    };
  } catch (error) {
    await bench.close();
    throw error;
  }
}
