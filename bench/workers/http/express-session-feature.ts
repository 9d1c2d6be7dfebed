import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RedisStore } from 'connect-redis';
import type { Request, Response } from 'express';
import session from 'express-session';
import { createClient } from 'redis';
import { type FeatureContext, type FeatureSetup, respond } from './types.ts';

declare module 'express-session' {
  interface SessionData {
    userId: string;
  }
}

const COOKIE_NAME = 'connect.sid';

/**
 * The baseline most Node services start from: express-session with connect-redis (node-redis
 * client), default options but for `resave`/`saveUninitialized` off as its docs recommend. It
 * runs as plain middleware in the same node:http service, so the comparison is the session layer,
 * not Express's router. Each request: a Redis GET, and a touch (EXPIRE) since the store has one.
 */
export async function setUpExpressSession(context: FeatureContext): Promise<FeatureSetup> {
  const prefix = `gh-bench-sess-${randomBytes(6).toString('hex')}:`;
  const client = createClient({ url: context.redisUrl });
  await client.connect();
  const middleware = session({
    name: COOKIE_NAME,
    store: new RedisStore({ client, prefix }),
    secret: randomBytes(32).toString('hex'),
    resave: false,
    saveUninitialized: false,
    // Plain http on loopback: a Secure cookie would never be set, so the flag is off here only.
    cookie: { httpOnly: true, sameSite: 'lax', secure: false, maxAge: 12 * 3600_000 },
  });
  const run = (request: IncomingMessage, response: ServerResponse) =>
    new Promise<Request>((resolve, reject) => {
      const req = request as unknown as Request;
      middleware(req, response as unknown as Response, (error?: unknown) =>
        error ? reject(error) : resolve(req),
      );
    });

  return {
    routes: {
      '/express-session/login': async (request, response) => {
        const req = await run(request, response);
        req.session.userId = 'user-1';
        respond(response, true);
      },
      '/express-session': async (request, response) => {
        const req = await run(request, response);
        respond(response, req.session.userId !== undefined);
      },
    },
    cases: [],
    async afterListen(baseUrl) {
      const login = await fetch(`${baseUrl}/express-session/login`);
      await login.body?.cancel();
      const setCookie = login.headers.get('set-cookie');
      const pair = setCookie?.split(';')[0];
      if (!pair?.startsWith(`${COOKIE_NAME}=`)) throw new Error('express-session did not set its cookie');
      return [
        {
          name: 'express-session + connect-redis (for comparison)',
          group: 'session',
          path: '/express-session',
          method: 'GET',
          headers: { cookie: pair },
        },
      ];
    },
    async close() {
      for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
        if (keys.length > 0) await client.unlink(keys);
      }
      await client.quit();
    },
  };
}
