/**
 * bench/workers/adapters/frameworks.ts: the adapters scenario's `unverified` form, the adapter as
 * shipped around a verifier that verifies nothing. Its row is read as "the adapter's own cost",
 * so it must take the adapters' synchronous entry (not the promise path a wrapper would), and it
 * must never pass for a guard: it answers with or without a credential.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifierNow } from '../../packages/verify/src/lib/verify-now.ts';
import { createGuard, type Guard } from '../../bench/workers/adapters/guards.ts';
import {
  FRAMEWORKS,
  formsOf,
  OPEN_SUB,
  startApp,
  UNVERIFIED_SUB,
  verifiesNothing,
} from '../../bench/workers/adapters/frameworks.ts';

describe('bench: the adapter around a verifier that verifies nothing', () => {
  it('answers through the entry the adapters call without a promise', () => {
    const verdict = verifierNow(verifiesNothing())({ headers: {} });
    assert.ok(!(verdict instanceof Promise), 'a promise: the side would time the slow path');
    assert.equal(verdict.ok && verdict.principal.sub, UNVERIFIED_SUB);
  });

  it('is a form of every framework, beside the guarded one', () => {
    for (const framework of FRAMEWORKS) {
      assert.ok(formsOf(framework).includes('unverified'), framework);
      assert.ok(formsOf(framework).includes('guarded'), framework);
    }
  });

  describe('served by each framework, next to the guarded and open forms', () => {
    let guard: Guard;
    before(async () => {
      guard = await createGuard('/api/ES256', 'ES256');
    });
    after(() => guard.close());

    for (const framework of FRAMEWORKS) {
      it(`${framework}: answers its fixed principal with or without the credential; the guard refuses without`, async () => {
        const [name, value] = guard.header;
        const routes = [{ path: guard.path, verifier: guard.verifier }];
        const subOf = async (port: number, headers: Record<string, string>) => {
          const response = await fetch(`http://127.0.0.1:${port}${guard.path}`, { headers });
          return { status: response.status, sub: ((await response.json()) as { sub?: string }).sub };
        };
        const apps = await Promise.all(
          (['unverified', 'guarded', 'open'] as const).map((form) => startApp(framework, form, routes)),
        );
        try {
          const [unverified, guarded, open] = apps.map((app) => app.port) as [number, number, number];
          assert.deepEqual(await subOf(unverified, { [name]: value }), { status: 200, sub: UNVERIFIED_SUB });
          assert.deepEqual(await subOf(unverified, {}), { status: 200, sub: UNVERIFIED_SUB });
          assert.deepEqual(await subOf(unverified, { authorization: 'Bearer not-a-token' }), {
            status: 200,
            sub: UNVERIFIED_SUB,
          });
          assert.deepEqual(await subOf(guarded, { [name]: value }), { status: 200, sub: guard.expectedSub });
          assert.equal((await subOf(guarded, {})).status, 401);
          assert.deepEqual(await subOf(open, {}), { status: 200, sub: OPEN_SUB });
        } finally {
          for (const app of apps) await app.close();
        }
      });
    }
  });
});
