import { performance } from 'node:perf_hooks';
import type { AccessTokens } from '@gatehouse/core';
import type { GatehouseMetrics } from './gatehouse-metrics.ts';

const seconds = (startedAt: number) => (performance.now() - startedAt) / 1000;

/**
 * The access tokens, timed: `gatehouse_access_token_verify_duration_seconds{operation, outcome}`,
 * `operation` being `verify` (signature and claims) or `authenticate` (verify + session lookup).
 */
export function instrumentAccessTokens(
  accessTokens: AccessTokens,
  metrics: Pick<GatehouseMetrics, 'accessTokenVerifyDuration'>,
): AccessTokens {
  const timed =
    <T>(operation: 'verify' | 'authenticate', run: (token: string) => Promise<T>) =>
    async (token: string): Promise<T> => {
      const startedAt = performance.now();
      let outcome = 'invalid';
      try {
        const result = await run(token);
        outcome = 'valid';
        return result;
      } finally {
        metrics.accessTokenVerifyDuration.observe({ operation, outcome }, seconds(startedAt));
      }
    };
  return {
    issue: (user, session, binding) => accessTokens.issue(user, session, binding),
    verify: timed('verify', (token) => accessTokens.verify(token)),
    authenticate: timed('authenticate', (token) => accessTokens.authenticate(token)),
  };
}
