/** Redis stream ids are `<ms>-<seq>`, both unsigned 64-bit. */
const STREAM_ID = /^(\d{1,20})-(\d{1,20})$/;

export function isStreamId(value: string): boolean {
  return STREAM_ID.test(value);
}

/** Orders two stream ids numerically (string order would put `10-0` before `9-0`). */
export function compareStreamIds(a: string, b: string): number {
  const [, aMs = '0', aSeq = '0'] = STREAM_ID.exec(a) ?? [];
  const [, bMs = '0', bSeq = '0'] = STREAM_ID.exec(b) ?? [];
  const byMs = BigInt(aMs) - BigInt(bMs);
  const delta = byMs === 0n ? BigInt(aSeq) - BigInt(bSeq) : byMs;
  return delta === 0n ? 0 : delta < 0n ? -1 : 1;
}
