/**
 * docs/architecture.md names the files each main flow passes through; a rename or a deletion must
 * not leave it pointing at nothing. Every repository path it names (packages/…, test/…, bench/…,
 * docs/…, examples/…, scripts/…) and every relative Markdown link must exist.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const docPath = join(root, 'docs/architecture.md');

const REPOSITORY_PATH = /\b(?:packages|test|bench|docs|examples|scripts)\/[A-Za-z0-9_.\-/]*[A-Za-z0-9_\-/]/g;
const RELATIVE_LINK = /\]\(([^)#\s]+)(?:#[^)]*)?\)/g;

/** The repository paths a Markdown text names, relative to the repository root. */
function namedPaths(text: string, docDir: string): string[] {
  const paths = new Set<string>();
  for (const [path] of text.matchAll(REPOSITORY_PATH)) paths.add(path.replace(/\/$/, ''));
  for (const [, target = ''] of text.matchAll(RELATIVE_LINK)) {
    if (!/^[a-z]+:/i.test(target)) paths.add(join(docDir, target));
  }
  return [...paths].sort();
}

describe('docs/architecture.md', () => {
  const paths = namedPaths(readFileSync(docPath, 'utf8'), 'docs');

  it('names the files of its flows (the extractor finds them)', () => {
    assert.ok(paths.includes('packages/server/src/feed/reliable-publisher.ts'), paths.join('\n'));
    assert.ok(paths.includes('packages/verify/src/lib/feed-follower.ts'), paths.join('\n'));
    assert.ok(paths.length >= 40, `only ${paths.length} paths found`);
  });

  it('names only repository paths that exist', () => {
    const missing = paths.filter((path) => !existsSync(join(root, path)));
    assert.deepEqual(missing, [], `docs/architecture.md names missing paths:\n${missing.join('\n')}`);
  });
});
