import { Agent, request } from 'node:http';

/**
 * Open-loop paced load (as wrk2 does): requests leave evenly spaced at `ratePerSecond`, whatever
 * the answers' speed. autocannon's `overallRate` is a per-connection budget per second, reset by a
 * 1 s timer, so each connection sends its share of a second back to back at the start of the
 * second: "400/s" arrives as a burst of 400 every second. Here request n leaves at n / rate.
 */
export interface PacedLoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  ratePerSecond: number;
  durationSeconds: number;
  /**
   * Requests allowed in flight at once (also the connections kept open). A request due while this
   * many are unanswered is not sent and counts as `notSent`: the in-flight set never grows without
   * bound when the server falls behind.
   */
  maxInFlight?: number;
  /** A request unanswered after this long is abandoned and counts as an error. */
  timeoutMs?: number;
  /** The source address to send from (any 127.x.y.z on Linux loopback): who the server sees. */
  localAddress?: string;
}

export interface PacedLoadResult {
  /** Requests due at the rate over the duration. */
  due: number;
  sent: number;
  /** Due but not sent: `maxInFlight` requests were already unanswered. A failure of the run. */
  notSent: number;
  /** Answered, whatever the status. */
  completed: number;
  /** Connection errors and timeouts. */
  errors: number;
  statusCodes: Record<string, number>;
  /** Seconds from the first send to the last answer. */
  elapsedSeconds: number;
  /** The largest lag of a send behind its due time, ms (the generator's own timing). */
  maxSendLagMs: number;
}

interface SendOutcome {
  status?: number;
  retryAfterSeconds?: number;
  error?: boolean;
}

/** One request with a shared keep-alive agent; never rejects. */
function sendOnce(
  agent: Agent,
  options: Pick<PacedLoadOptions, 'url' | 'method' | 'headers' | 'body' | 'timeoutMs' | 'localAddress'>,
): Promise<SendOutcome> {
  return new Promise((resolve) => {
    const req = request(
      options.url,
      {
        agent,
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      },
      (response) => {
        response.resume();
        response.on('end', () => {
          const retryAfter = Number(response.headers['retry-after']);
          resolve({
            status: response.statusCode ?? 0,
            ...(Number.isFinite(retryAfter) ? { retryAfterSeconds: retryAfter } : {}),
          });
        });
        response.on('error', () => resolve({ error: true }));
      },
    );
    req.on('error', () => resolve({ error: true }));
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy());
    req.end(options.body);
  });
}

export async function runPacedLoad(options: PacedLoadOptions): Promise<PacedLoadResult> {
  const maxInFlight = options.maxInFlight ?? 256;
  const agent = new Agent({ keepAlive: true, maxSockets: maxInFlight });
  const result: PacedLoadResult = {
    due: 0,
    sent: 0,
    notSent: 0,
    completed: 0,
    errors: 0,
    statusCodes: {},
    elapsedSeconds: 0,
    maxSendLagMs: 0,
  };
  const inFlight = new Set<Promise<void>>();
  const intervalMs = 1000 / options.ratePerSecond;
  const send = () => {
    const done = sendOnce(agent, options).then((outcome) => {
      if (outcome.error || outcome.status === undefined) result.errors++;
      else {
        result.completed++;
        const code = String(outcome.status);
        result.statusCodes[code] = (result.statusCodes[code] ?? 0) + 1;
      }
      inFlight.delete(done);
    });
    inFlight.add(done);
  };
  const started = performance.now();
  const total = Math.floor(options.durationSeconds * options.ratePerSecond);
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const dueNow = Math.min(total, Math.floor((now - started) / intervalMs) + 1);
      for (; result.due < dueNow; result.due++) {
        result.maxSendLagMs = Math.max(result.maxSendLagMs, now - (started + result.due * intervalMs));
        if (inFlight.size >= maxInFlight) result.notSent++;
        else {
          result.sent++;
          send();
        }
      }
      if (result.due >= total) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, Math.max(1, Math.min(10, intervalMs / 2)));
    tick();
  });
  await Promise.all(inFlight);
  result.elapsedSeconds = (performance.now() - started) / 1000;
  agent.destroy();
  return result;
}

export interface LegitLoginOptions extends Pick<PacedLoadOptions, 'url' | 'headers' | 'body' | 'timeoutMs'> {
  /** New users per second (each one a login, retried as below). */
  usersPerSecond: number;
  durationSeconds: number;
  /** Tries per user at most, the first included; a 503 is retried after its Retry-After. */
  maxTries: number;
  /** User n logs in with `bodies[n % length]` (its own account); unset: `body` for all. */
  bodies?: string[];
  /** User n sends from `localAddresses[n % length]`; unset: the default source address. */
  localAddresses?: string[];
}

export interface LegitLoginResult {
  users: number;
  /** Logged in on the first try. */
  firstTry: number;
  /** Logged in within `maxTries`, honouring Retry-After between tries. */
  eventually: number;
  /** Answers other than 200 or 503, and connection errors (a failure of the run). */
  unexpected: number;
  /** Tries per user who got in, summed (for the mean). */
  triesOfSuccessful: number;
  /** ms from a user's first send to the 200, for those who got in. */
  msToLogin: number[];
}

/**
 * Legitimate users during a flood, as a client would log in: one new user every
 * 1 / `usersPerSecond` s, each sending the login and, on 503, waiting Retry-After (1 s if absent)
 * before trying again, up to `maxTries`. Its own connections, apart from the flood's.
 */
export async function runLegitLogins(options: LegitLoginOptions): Promise<LegitLoginResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const result: LegitLoginResult = {
    users: 0,
    firstTry: 0,
    eventually: 0,
    unexpected: 0,
    triesOfSuccessful: 0,
    msToLogin: [],
  };
  const user = async (n: number) => {
    const began = performance.now();
    const body = options.bodies ? options.bodies[n % options.bodies.length] : options.body;
    const localAddress = options.localAddresses?.[n % options.localAddresses.length];
    const send = {
      ...options,
      method: 'POST' as const,
      ...(body === undefined ? {} : { body }),
      ...(localAddress === undefined ? {} : { localAddress }),
    };
    for (let tries = 1; tries <= options.maxTries; tries++) {
      const outcome = await sendOnce(agent, send);
      if (outcome.status === 200) {
        if (tries === 1) result.firstTry++;
        result.eventually++;
        result.triesOfSuccessful += tries;
        result.msToLogin.push(performance.now() - began);
        return;
      }
      if (outcome.status !== 503) {
        result.unexpected++;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, (outcome.retryAfterSeconds ?? 1) * 1000));
    }
  };
  const users: Promise<void>[] = [];
  const count = Math.max(1, Math.floor(options.durationSeconds * options.usersPerSecond));
  for (let i = 0; i < count; i++) {
    result.users++;
    users.push(user(i));
    await new Promise((resolve) => setTimeout(resolve, 1000 / options.usersPerSecond));
  }
  await Promise.all(users);
  agent.destroy();
  return result;
}
