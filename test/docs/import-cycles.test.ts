/**
 * Issue 11, "Done when": no import cycle between the packages' source modules (type-only imports
 * included, as `npx madge --circular --extensions ts packages` counts them). Relative specifiers
 * and `@gatehouse/<package>` (which resolves to that package's src/index.ts) are followed.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sourceFiles } from '../support/source-files.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SPECIFIER = /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"]([^'"]+)['"]/g;

function resolveSpecifier(from: string, specifier: string): string | undefined {
  const workspace = /^@gatehouse\/([a-z]+)$/.exec(specifier);
  const path = workspace
    ? join(ROOT, 'packages', workspace[1]!, 'src', 'index.ts')
    : specifier.startsWith('.')
      ? resolve(dirname(from), specifier)
      : undefined;
  return path && existsSync(path) ? path : undefined;
}

/** The first cycle found, as the list of files around it, or undefined. */
export function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): string[] | undefined => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(file, 'done');
    return undefined;
  };
  for (const file of graph.keys()) {
    if (state.has(file)) continue;
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('import cycles', () => {
  it('finds one when there is one (the checker can fail)', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
    ]);
    assert.deepEqual(findCycle(graph), ['a', 'b', 'c', 'a']);
    assert.equal(
      findCycle(
        new Map([
          ['a', ['b']],
          ['b', []],
        ]),
      ),
      undefined,
    );
  });

  it('finds none between the source modules of packages/*/src', () => {
    const files = sourceFiles(join(ROOT, 'packages')).filter((file) => file.endsWith('.ts'));
    const graph = new Map<string, string[]>();
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const targets = [...text.matchAll(SPECIFIER)].flatMap(
        (match) => resolveSpecifier(file, match[1]!) ?? [],
      );
      graph.set(file, targets);
    }
    assert.ok(graph.size > 200 && [...graph.values()].some((targets) => targets.length > 3));
    const cycle = findCycle(graph);
    assert.equal(cycle?.map((file) => relative(ROOT, file)).join(' → '), undefined);
  });
});
