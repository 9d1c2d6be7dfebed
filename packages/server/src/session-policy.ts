import type { SessionPolicy } from '@gatehouse/core';
import type { GatehouseConfig } from './config.ts';

type SessionSettings = Pick<
  GatehouseConfig,
  | 'sessionIdleTtlSeconds'
  | 'sessionAbsoluteTtlSeconds'
  | 'accessTokenTtlSeconds'
  | 'refreshGraceSeconds'
  | 'maxSessionsPerUser'
>;

/** The session lifetimes and limit of the configuration, as core's session policy (the server and the CLI). */
export function sessionPolicyFrom(config: SessionSettings): Partial<SessionPolicy> {
  return {
    idleTtlMs: config.sessionIdleTtlSeconds * 1000,
    absoluteTtlMs: config.sessionAbsoluteTtlSeconds * 1000,
    accessTokenTtlMs: config.accessTokenTtlSeconds * 1000,
    refreshGraceMs: config.refreshGraceSeconds * 1000,
    maxSessionsPerUser: config.maxSessionsPerUser,
  };
}
