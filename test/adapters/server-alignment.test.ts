import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DpopProofError,
  type ErrorCode,
  GatehouseError,
  TokenError,
  UnauthenticatedError,
} from '@gatehouse/core';
import { toErrorResponse } from '@gatehouse/server';
import { toFailureResponse } from '../../packages/verify/src/lib/failure-response.ts';

// The same refusal, as the auth server raises it and as the verifier reports it.
const refusals: { name: string; server: GatehouseError; sdk: { code: ErrorCode; scheme?: 'DPoP' } }[] = [
  { name: 'no credentials', server: new UnauthenticatedError(), sdk: { code: 'ERR_UNAUTHENTICATED' } },
  {
    name: 'an expired token',
    server: new TokenError('ERR_TOKEN_EXPIRED', 'expired'),
    sdk: { code: 'ERR_TOKEN_EXPIRED' },
  },
  {
    name: 'a revoked token',
    server: new TokenError('ERR_TOKEN_REVOKED', 'revoked'),
    sdk: { code: 'ERR_TOKEN_REVOKED' },
  },
  {
    name: 'a dead session cookie',
    server: new GatehouseError('ERR_SESSION_INVALID', 'dead'),
    sdk: { code: 'ERR_SESSION_INVALID' },
  },
  {
    name: 'a bound token as Bearer',
    server: new TokenError('ERR_TOKEN_BINDING', 'bound'),
    sdk: { code: 'ERR_TOKEN_BINDING', scheme: 'DPoP' },
  },
  {
    name: 'a bad DPoP proof',
    server: new DpopProofError('ERR_DPOP_PROOF', 'bad proof'),
    sdk: { code: 'ERR_DPOP_PROOF', scheme: 'DPoP' },
  },
  {
    name: 'a proof without the nonce',
    server: new DpopProofError('ERR_DPOP_NONCE', 'nonce'),
    sdk: { code: 'ERR_DPOP_NONCE', scheme: 'DPoP' },
  },
];

describe('the SDK adapters answer a refusal as the auth server does', () => {
  for (const { name, server, sdk } of refusals) {
    it(name, () => {
      const fromServer = toErrorResponse(server);
      const fromSdk = toFailureResponse({ ok: false, status: 401, ...sdk });
      assert.equal(fromSdk.status, fromServer.status);
      assert.deepEqual(fromSdk.body, fromServer.body);
      assert.equal(fromSdk.headers['www-authenticate'], fromServer.headers['www-authenticate']);
    });
  }
});
