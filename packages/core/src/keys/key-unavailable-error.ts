import { GatehouseError } from '../errors.ts';

/**
 * A signing key cannot be used: no active key yet, or a stored key cannot be decrypted (wrong or
 * missing key-encryption key, tampered record). The message names the kid or KEK id, never key bytes.
 */
export class KeyUnavailableError extends GatehouseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_KEY_UNAVAILABLE', message, options);
  }
}
