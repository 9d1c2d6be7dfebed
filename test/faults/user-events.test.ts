/**
 * Issue 10, point "one `user` event": logout-all and password change end every session of a user
 * with one `user {sub, before}` event, whatever the number of sessions; verifiers refuse every
 * token of that user issued before `before` (also a verifier started afterwards, from the
 * snapshot), and accept the session a password change keeps, at once.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { RevocationEvent } from '@gatehouse/core';
import type { Credential } from '../e2e/support/auth-client.ts';
import {
  type AuthServer,
  startAuthServer,
  startVerifierServices,
  uniqueEmail,
} from '../e2e/support/gatehouse-stack.ts';
import type { VerifierService } from '../e2e/support/verifier-service.ts';
import { waitFor } from '../e2e/support/wait-for.ts';
import { PASSWORD, timedRequest } from './support.ts';

const SESSIONS = 20;

describe('faults: one user event for every session of a user', { timeout: 60_000 }, () => {
  let auth: AuthServer;
  const verifiers: VerifierService[] = [];

  before(async () => {
    auth = await startAuthServer();
    verifiers.push(
      ...(await startVerifierServices([
        { ...auth.verifierOptions, name: 'early (sse)', feed: 'sse', maxStalenessMs: 1500 },
      ])),
    );
  });
  after(async () => {
    await Promise.allSettled(verifiers.map((verifier) => verifier.stop()));
    await auth?.close();
  });

  const eventsOf = async (sub: string): Promise<RevocationEvent[]> => {
    const snapshot = await timedRequest(auth.server.url, 'GET', '/revocations', {
      headers: { authorization: `Bearer ${auth.serviceToken}` },
    });
    return (snapshot.body as { events: RevocationEvent[] }).events.filter(
      (event) =>
        (event.type === 'user' && event.sub === sub) || (event.type === 'session' && event.sub === sub),
    );
  };

  it(`logout-all of ${SESSIONS} sessions: one event on the wire, every token refused, also by a verifier started afterwards`, async () => {
    const email = uniqueEmail('user-event');
    await auth.client.register(email);
    const tokens: Credential[] = [];
    for (let index = 0; index < SESSIONS; index++) tokens.push(await auth.client.loginWithToken(email));
    const [early] = verifiers;
    for (const token of tokens.slice(0, 3)) assert.equal((await early!.me(token)).status, 200);
    // Past this second: the sessions were all seen earlier, so `before` alone covers their tokens.
    await sleep(1_100);
    await auth.client.logoutAll(tokens[0]!);
    const events = await eventsOf(tokens[0]!.sub);
    assert.deepEqual(
      events.map((event) => event.type),
      ['user'],
      'one event, not one per session',
    );

    const [late] = await startVerifierServices([
      { ...auth.verifierOptions, name: 'late (sse)', feed: 'sse', maxStalenessMs: 1500 },
    ]);
    verifiers.push(late!);
    for (const verifier of [early!, late!]) {
      for (const token of tokens) {
        await waitFor(`${verifier.name} to refuse a token issued before the logout-all`, async () => {
          const reply = await verifier.me(token);
          return reply.status === 401 ? true : undefined;
        });
        assert.equal((await verifier.me(token)).code, 'ERR_TOKEN_REVOKED');
      }
    }
    // A login after the logout-all (a later second) is not covered.
    await sleep(1_000);
    const fresh = await auth.client.loginWithToken(email);
    for (const verifier of [early!, late!])
      assert.equal((await verifier.me(fresh)).status, 200, verifier.name);
  });

  it('a password change: the other sessions are refused, the session it keeps is accepted at once', async () => {
    const email = uniqueEmail('password-change');
    await auth.client.register(email);
    const other = await auth.client.loginWithToken(email);
    const current = await auth.client.loginWithToken(email);
    const changed = await timedRequest(auth.server.url, 'POST', '/auth/password/change', {
      headers: { authorization: `Bearer ${current.accessToken}` },
      body: { currentPassword: PASSWORD, newPassword: `${PASSWORD} but new` },
    });
    assert.equal(changed.status, 200);
    const kept = { ...other, accessToken: (changed.body as { accessToken: string }).accessToken };
    const [verifier] = verifiers;
    for (const [name, refused] of [
      ['other', other],
      ['current', current],
    ] as const) {
      let last = '';
      await waitFor(`the old session (${name}) to be refused`, async () => {
        const reply = await verifier!.me(refused);
        last = `${reply.status} ${reply.code ?? ''}`;
        return reply.status === 401 ? true : undefined;
      }).catch(async (error: Error) => {
        const state = await verifier!.state({ sid: refused.sid, sub: refused.sub });
        const events = await eventsOf(refused.sub);
        throw new Error(
          `${error.message}; last reply ${last}; verifier ${JSON.stringify(state)}; events ${JSON.stringify(events)}`,
        );
      });
    }
    // Issued in the same second as the user event: not covered by it, and its session is not named.
    const reply = await verifier!.me(kept);
    assert.equal(reply.status, 200, `the new session's token: ${reply.status} ${reply.code}`);
  });
});
