import type { LoginResult } from '@gatehouse/core';
import type { FastifyReply } from 'fastify';
import type { AppContext } from '../app-context.ts';

/** Turns a successful login into the response of one strategy (cookies to set, body to send). */
export type LoginResponder = (
  result: LoginResult,
  reply: FastifyReply,
  context: AppContext,
  binding: LoginBinding,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

/** The client that logged in and, for the token strategy, the DPoP key its tokens are bound to. */
export interface LoginBinding {
  clientId: string;
  jkt?: string;
}
