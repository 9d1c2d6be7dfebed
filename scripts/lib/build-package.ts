// Builds one published package: esbuild bundles its entry points (and the internal @gatehouse/core
// code they use) to ES modules, and tsc emits the declarations. Sources stay where they are and
// run directly in development; only `dist/` is published (see each package's "files").
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const packagesDir = join(repoRoot, 'packages');

/** Where the internal packages' sources live, for specifiers the declarations must not keep. */
const INTERNAL_TYPES: Record<string, string> = {
  '@gatehouse/core': 'core/src/index.d.ts',
  '@gatehouse/core/testing': 'core/src/testing/index.d.ts',
};

export interface BundleOptions {
  packageDir: string;
  /** Output name (without .js) → source path relative to the package. */
  entries: Record<string, string>;
  outdir: string;
  platform: 'node' | 'neutral';
  /** Bare specifiers left to the installed dependencies (everything else is bundled). */
  external: string[];
  /** Source module → replacement, both relative to the package (e.g. a platform module). */
  replace?: Record<string, string>;
  banner?: string;
}

/** Bundles the entries with code splitting, so entries of one build share one copy of each module. */
export async function bundle(options: BundleOptions): Promise<void> {
  const { packageDir } = options;
  const replacements = new Map(
    Object.entries(options.replace ?? {}).map(([from, to]) => [
      from.startsWith('node:') ? from : resolve(packageDir, from),
      resolve(packageDir, to),
    ]),
  );
  const replacePlugin: esbuild.Plugin = {
    name: 'replace-modules',
    setup(build) {
      build.onResolve({ filter: /^(\.|node:)/ }, (args) => {
        const key = args.path.startsWith('node:') ? args.path : resolve(args.resolveDir, args.path);
        const target = replacements.get(key);
        return target ? { path: target } : undefined;
      });
    },
  };
  await esbuild.build({
    absWorkingDir: packageDir,
    entryPoints: Object.fromEntries(Object.entries(options.entries).map(([out, src]) => [out, src])),
    outdir: options.outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: options.platform,
    // The oldest runtimes the package supports run ES2022 (Node 22, workerd, Deno, Bun).
    target: 'es2022',
    mainFields: ['module', 'main'],
    conditions: ['gatehouse-source'],
    external: [...options.external, 'node:*'],
    banner: options.banner ? { js: options.banner } : undefined,
    // Beside the entries, so module-relative files (Lua scripts, the password list) resolve alike.
    chunkNames: 'chunk-[hash]',
    legalComments: 'none',
    sourcemap: false,
    logLevel: 'warning',
    plugins: [replacePlugin],
  });
}

/**
 * Emits declarations for the package and the internal sources it uses into `dist/types/`, keeping
 * the packages/ layout (dist/types/verify/src/…, dist/types/core/src/…), and rewrites the
 * specifiers a consumer cannot resolve: `@gatehouse/core` becomes a relative path to the copy
 * shipped here, `./x.ts` becomes `./x.js`.
 */
export function emitDeclarations(packageDir: string, entries: string[], extraTypes: string[] = []): void {
  const outDir = join(packageDir, 'dist/types');
  const tsconfigPath = join(packageDir, 'dist/tsconfig.types.json');
  mkdirSync(dirname(tsconfigPath), { recursive: true });
  writeFileSync(
    tsconfigPath,
    JSON.stringify({
      extends: join(repoRoot, 'tsconfig.json'),
      compilerOptions: {
        noEmit: false,
        declaration: true,
        emitDeclarationOnly: true,
        rootDir: packagesDir,
        outDir,
        // Packages only augmented (declare module 'fastify') must be in the program to be augmented.
        types: ['node', ...extraTypes],
        // The internal packages are compiled as sources, so their declarations are emitted too.
        paths: {
          '@gatehouse/core': [join(packagesDir, 'core/src/index.ts')],
          '@gatehouse/core/testing': [join(packagesDir, 'core/src/testing/index.ts')],
        },
      },
      include: [],
      files: entries.map((entry) => resolve(packageDir, entry)),
    }),
  );
  const tsc = join(repoRoot, 'node_modules/.bin/tsc');
  try {
    execFileSync(tsc, ['-p', tsconfigPath], { stdio: 'inherit' });
  } finally {
    if (!process.env.GATEHOUSE_KEEP_TSCONFIG) rmSync(tsconfigPath, { force: true });
  }
  rmSync(tsconfigPath, { force: true });
  for (const file of walk(outDir)) {
    if (!file.endsWith('.d.ts')) continue;
    const text = readFileSync(file, 'utf8');
    const rewritten = text.replace(
      /(from\s+|import\(\s*)(['"])([^'"]+)\2/g,
      (match, prefix: string, quote: string, specifier: string) => {
        const internal = INTERNAL_TYPES[specifier];
        if (internal) {
          let path = relative(dirname(file), join(outDir, internal)).replace(/\.d\.ts$/, '.js');
          if (!path.startsWith('.')) path = `./${path}`;
          return `${prefix}${quote}${path}${quote}`;
        }
        if (specifier.startsWith('.') && specifier.endsWith('.ts'))
          return `${prefix}${quote}${specifier.slice(0, -3)}.js${quote}`;
        return match;
      },
    );
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
}

export function walk(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

export function clean(packageDir: string): void {
  rmSync(join(packageDir, 'dist'), { recursive: true, force: true });
}

export function copy(from: string, to: string, filter?: (path: string) => boolean): void {
  cpSync(from, to, { recursive: true, filter: filter ? (source) => filter(source) : undefined });
}
