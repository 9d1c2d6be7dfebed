// WebCrypto build: replaces packages/core/src/random.ts.
export interface RandomSource {
  bytes(length: number): Uint8Array;
}

export const systemRandom: RandomSource = {
  bytes: (length) => crypto.getRandomValues(new Uint8Array(length)),
};
