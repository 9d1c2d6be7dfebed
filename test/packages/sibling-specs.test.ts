/**
 * A package of this repository that depends on another of its packages names it by path, never by
 * a registry range. The `@gatehouse` scope on the public npm registry is not ours: a package named
 * `@gatehouse/core` is published there by someone else, so a range such as `*` installed that
 * stranger's package wherever the workspace did not link ours (a package installed on its own, a
 * workspace folder moved). A `file:` path links the sibling in the workspace and outside it alike.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KINDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'] as const;

type Manifest = { name: string } & Partial<Record<(typeof KINDS)[number], Record<string, string>>>;

const folderNames = readdirSync(join(ROOT, 'packages'));
const manifests = folderNames.map(
  (folder) => JSON.parse(readFileSync(join(ROOT, 'packages', folder, 'package.json'), 'utf8')) as Manifest,
);
/** Each of our package names, with the folder under packages/ that holds it. */
const folders = new Map(manifests.map((manifest, at) => [manifest.name, folderNames[at]]));
const ours = new Set(folders.keys());

/** Every dependency of one of our packages on another, as `from -> name: spec`. */
function siblingSpecs(): Array<{ from: string; name: string; spec: string }> {
  return manifests.flatMap((manifest) =>
    KINDS.flatMap((kind) =>
      Object.entries(manifest[kind] ?? {})
        .filter(([name]) => ours.has(name))
        .map(([name, spec]) => ({ from: manifest.name, name, spec })),
    ),
  );
}

describe('dependencies between our packages', () => {
  it('finds them (a wrong folder would pass vacuously)', () => {
    assert.ok(ours.has('@gatehouse/core') && ours.has('@gatehouse/verify'), [...ours].join(', '));
    assert.ok(siblingSpecs().some(({ name }) => name === '@gatehouse/core'));
  });

  it('names each sibling by a file: path to its own folder, never by a registry range', () => {
    const wrong = siblingSpecs()
      .filter(({ name, spec }) => spec !== `file:../${folders.get(name)}`)
      .map(({ from, name, spec }) => `${from} -> ${name}: ${spec}`);
    assert.deepEqual(wrong, []);
  });
});
