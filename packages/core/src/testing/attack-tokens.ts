import type { ErrorCode } from '../errors.ts';
import { ATTACK_FAMILIES, type CatalogueContext } from './attack-cases.ts';
import type { TestSigningKey, TokenForger } from './token-forger.ts';

/** One attack: a string presented as an access token, and the code a verifier must refuse it with. */
export interface AttackCase {
  name: string;
  token: string;
  code: ErrorCode;
}

export interface AttackCatalogueOptions {
  /** Its key is the one the verifier under test trusts for tokens of its kid. */
  forger: TokenForger;
  /** Other asymmetric keys the verifier trusts: each public key is tried as an HMAC secret. */
  victims: readonly TestSigningKey[];
  /** Where the `jku` and `x5u` headers point; a test can serve it and check nothing ever asks. */
  attackerOrigin?: string;
}

/**
 * The negative cases every access-token verifier must refuse, server or SDK, each with its expected
 * code: alg none, stripped or forged signatures, algorithm confusion, key-carrying headers, kid
 * injection, malformed structure and encoding, other credentials and bad claims. The forger's key
 * must be ES256 (the signature-level cases rely on its 64-byte signatures).
 *
 * @example
 * for (const attack of buildAttackCatalogue({ forger, victims: [rsaKey] })) {
 *   it(attack.name, () => assert.throws(() => verifier.verify(attack.token), { code: attack.code }));
 * }
 */
export function buildAttackCatalogue(options: AttackCatalogueOptions): AttackCase[] {
  const { forger, victims } = options;
  const { claims, token, key: trusted, nowSeconds: now } = forger;
  const attackerOrigin = options.attackerOrigin ?? 'https://attacker.example';
  const cases: AttackCase[] = [];
  const add = (name: string, value: string, code: ErrorCode) => cases.push({ name, token: value, code });
  const valid = token();
  const [header, payload, signature] = valid.split('.') as [string, string, string];
  const context: CatalogueContext = {
    forger,
    victims,
    attackerOrigin,
    trusted,
    now,
    claims,
    token,
    valid,
    header,
    payload,
    signature,
    input: `${header}.${payload}`,
    add,
  };
  for (const addFamily of ATTACK_FAMILIES) addFamily(context);
  return cases;
}
