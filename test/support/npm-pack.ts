/** What `npm pack --json` says of one packed package: its tarball's file name and its files. */
export interface PackedInfo {
  name: string;
  filename: string;
  files: { path: string }[];
}

/**
 * The entry for `name` in `npm pack --json` output: npm 11 and earlier print an array with one
 * entry per package, npm 12 an object keyed by package name.
 */
export function packedInfo(stdout: string, name: string): PackedInfo {
  const parsed = JSON.parse(stdout) as PackedInfo[] | Record<string, PackedInfo>;
  const info = Array.isArray(parsed) ? parsed.find((entry) => entry.name === name) : parsed[name];
  if (!info?.filename)
    throw new Error(`npm pack --json named no tarball for ${name}: ${stdout.slice(0, 200)}`);
  return info;
}
