// WebCrypto build: replaces packages/core/src/token/verify-access-token.ts, whose Node version
// decodes into a reused Buffer (the first-sight fast path, issue 14). Options, their validation and
// the header rules are shared (core token/access-token-verifier-options.ts); what is here is only
// the decoding, on the Buffer-free decode-segment.ts, and the prepared-verdict verify-signature.ts
// beside it, in the same order of checks. The SDK attack catalogue runs against both builds
// (test/packages).
import { TokenError } from '../../../core/src/errors.ts';
import { keyFitsAlgorithm } from '../../../core/src/keys/signing-algorithms.ts';
import {
  type AccessTokenVerifier,
  type AccessTokenVerifierOptions,
  checkAccessTokenHeader,
  resolveVerifierOptions,
} from '../../../core/src/token/access-token-verifier-options.ts';
import { checkAccessTokenClaims } from '../../../core/src/token/check-access-token-claims.ts';
import { decodeJsonObjectSegment, decodeSegment } from './decode-segment.ts';
import type { WebVerificationKey } from './jwks-keys.ts';
import { signatureMatches } from './verify-signature.ts';

export type {
  AccessTokenVerifier,
  AccessTokenVerifierOptions,
} from '../../../core/src/token/access-token-verifier-options.ts';

/** The core verifier's contract and checks, with the signature verdict prepared by WebCrypto. */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  const { issuer, audience, getKey, clock, leewaySeconds, maxTokenBytes, isPinned } =
    resolveVerifierOptions(options);

  return {
    verify(text, start = 0) {
      if (typeof text !== 'string') throw new TokenError('ERR_TOKEN_MALFORMED', 'token is not a string');
      if (start >>> 0 !== start || start > text.length)
        throw new TokenError('ERR_TOKEN_MALFORMED', 'bad start');
      const token = start === 0 ? text : text.slice(start);
      // Length in UTF-16 units; any non-ASCII character fails the base64url check below, undecoded.
      if (token.length > maxTokenBytes) throw new TokenError('ERR_TOKEN_TOO_LARGE', 'token too large');

      const segments = token.split('.');
      if (segments.length !== 3) throw new TokenError('ERR_TOKEN_MALFORMED', 'not a three-part JWS');
      const [headerText, payloadText, signatureText] = segments as [string, string, string];
      const header = decodeJsonObjectSegment(headerText);
      const payload = decodeJsonObjectSegment(payloadText);
      const signature = decodeSegment(signatureText);
      if (!header || !payload || !signature) throw new TokenError('ERR_TOKEN_MALFORMED', 'malformed segment');

      const { alg, kid } = checkAccessTokenHeader(header, isPinned);
      const key = getKey(kid);
      if (!key) throw new TokenError('ERR_TOKEN_KID', 'unknown kid');
      // The key decides what it can verify: a public EC/RSA key never passes as an HMAC secret.
      if (!keyFitsAlgorithm(key, alg, 'verify')) {
        throw new TokenError('ERR_TOKEN_ALG', 'algorithm does not match the key');
      }

      const signingInput = token.slice(0, headerText.length + 1 + payloadText.length);
      let valid: boolean;
      try {
        valid = signatureMatches(alg, key as unknown as WebVerificationKey, signingInput, signature);
      } catch (cause) {
        throw new TokenError('ERR_TOKEN_SIGNATURE', 'signature check failed', { cause });
      }
      if (!valid) throw new TokenError('ERR_TOKEN_SIGNATURE', 'invalid signature');

      return checkAccessTokenClaims(payload, {
        issuer,
        audience,
        nowSeconds: clock.now() / 1000,
        leewaySeconds,
      });
    },
  };
}
