export { createGatehouseClient, GatehouseError } from './client.ts';
export { memoryRefreshTokenStorage, type RefreshTokenStorage } from './storage.ts';
export type {
  GatehouseClient,
  GatehouseClientOptions,
  ProofOfPossession,
  SignedOutEvent,
  SignedOutReason,
  Strategy,
  User,
} from './types.ts';
