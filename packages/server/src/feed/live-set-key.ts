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
