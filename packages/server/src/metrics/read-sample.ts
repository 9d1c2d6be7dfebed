/**
 * Reads Prometheus text exposition in tests. Not a parser for production: no escapes in label values.
 */

/** The value of one sample in Prometheus text, or undefined when the series is absent. */
export function readSample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const wanted = Object.entries(labels);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = new Map(
      [...(match[2] ?? '').matchAll(/([a-zA-Z_]+)="([^"]*)"/g)].map((pair) => [pair[1]!, pair[2]!]),
    );
    if (wanted.every(([key, value]) => present.get(key) === value) && present.size === wanted.length)
      return Number(match[3]);
  }
  return undefined;
}
