import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const SOURCE = /\.(ts|js|css|html)$/;
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist']);

/** Every non-test source file under `directory`. */
export function sourceFiles(directory: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (SKIPPED_DIRECTORIES.has(entry.name)) continue;
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (SOURCE.test(entry.name) && !entry.name.endsWith('.test.ts')) files.push(path);
  }
  return files;
}
