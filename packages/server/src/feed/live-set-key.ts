/**
 * The key of the sorted set of live revocations, in the same cluster slot as the stream so that
 * publishing and snapshotting stay atomic. A key without a hash tag is hashed by its whole name, so
 * `{<streamKey>}` lands in the stream's slot; a stream key with a tag keeps it.
 */
export function liveSetKeyFor(streamKey: string): string {
  if (!/[{}]/.test(streamKey)) return `{${streamKey}}:live`;
  const open = streamKey.indexOf('{');
  const close = streamKey.indexOf('}', open + 1);
  // Redis ignores an empty or unclosed tag and hashes the whole name; we could not follow it.
  if (open < 0 || close <= open + 1) {
    throw new TypeError('streamKey: braces must form a non-empty hash tag, e.g. {gatehouse}:revocations');
  }
  return `${streamKey}:live`;
}

/**
 * Every key of the feed besides the stream, all in the stream's cluster slot: the live set, and
 * beside it the epoch and the replication id the epoch is bound to.
 */
export function feedKeysFor(streamKey: string): { live: string; epoch: string; replid: string } {
  const live = liveSetKeyFor(streamKey);
  const base = live.slice(0, -':live'.length);
  return { live, epoch: `${base}:epoch`, replid: `${base}:replid` };
}
