// Test support: a small copy-paste detector for the SQL stores (no-copies.test.ts). It compares
// windows of consecutive source lines across files, after normalising what a copy would change:
// indentation, quotes, placeholders (`?` or `$1`), and lines with nothing to copy.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

export interface SharedBlock {
  lines: string[];
  places: string[];
}

const TRIVIAL = /^(import |export \{|export type \{|\} from |\/\/|\/\*|\*)/;

/** A file's lines as a copy would keep them; null for a line that says nothing on its own. */
export function normalizeLine(line: string): string | null {
  const text = line.trim().replace(/\$\d+/g, '?').replace(/[`'"]/g, '').replace(/\s+/g, ' ');
  if (TRIVIAL.test(text)) return null;
  // Brackets, `return {`, `} catch {` and the like: every file has them.
  if (text.replace(/\W/g, '').length < 8) return null;
  return text;
}

async function sourceFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Every window of `size` normalised lines that occurs in more than one of the files under
 * `directories` (test files left out), with where it occurs (`path:line`, relative to `root`).
 */
export async function findSharedBlocks(
  root: string,
  directories: string[],
  size = 4,
): Promise<SharedBlock[]> {
  const seen = new Map<string, { file: string; place: string }[]>();
  for (const directory of directories) {
    for (const file of await sourceFiles(join(root, directory))) {
      const lines = (await readFile(file, 'utf8')).split('\n');
      const kept = lines.flatMap((line, index) => {
        const text = normalizeLine(line);
        return text === null ? [] : [{ text, number: index + 1 }];
      });
      for (let start = 0; start + size <= kept.length; start++) {
        const key = kept
          .slice(start, start + size)
          .map((line) => line.text)
          .join('\n');
        const place = `${relative(root, file)}:${kept[start]!.number}`;
        seen.set(key, [...(seen.get(key) ?? []), { file, place }]);
      }
    }
  }
  return [...seen].flatMap(([key, places]) =>
    new Set(places.map((place) => place.file)).size > 1
      ? [{ lines: key.split('\n'), places: places.map((place) => place.place) }]
      : [],
  );
}
