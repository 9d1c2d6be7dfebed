import { type CheckedDpopProof, DpopProofError } from '@gatehouse/core';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { rawHeaderValues } from '../auth/authorization-headers.ts';
import { requestUrl } from '../auth/dpop-credential.ts';
import { TokenEndpointError } from './token-endpoint-error.ts';

/**
 * The DPoP proof of a token request (RFC 9449 §5), if it carries one: null without a `DPoP` header,
 * unless `required` (the client demands DPoP, or the refresh token is bound), then 400
 * `invalid_dpop_proof`; a bad proof is 400 `invalid_dpop_proof` (or `use_dpop_nonce` with a fresh
 * `DPoP-Nonce`).
 */
export function readTokenRequestProof(
  request: FastifyRequest,
  context: AppContext,
  required = false,
): CheckedDpopProof | null {
  const values = rawHeaderValues(request, 'dpop');
  if (values.length === 0 && !required) return null;
  try {
    return context.dpop.check({
      proof: values,
      method: request.method,
      url: requestUrl(context.config.issuer, request),
    });
  } catch (error) {
    if (!(error instanceof DpopProofError)) throw error;
    if (error.code === 'ERR_DPOP_NONCE' && context.dpop.nonces)
      throw new TokenEndpointError('use_dpop_nonce', error.message, {
        cause: error,
        headers: { 'dpop-nonce': context.dpop.nonces.current() },
      });
    throw new TokenEndpointError('invalid_dpop_proof', error.message, { cause: error });
  }
}
