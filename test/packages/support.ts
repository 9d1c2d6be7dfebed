// Builds and packs the public packages, and installs tarballs into fresh projects outside the
// workspace, as a user would: plain `npm install ./x.tgz`, no links, no workspace resolution.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { packedInfo } from '../support/npm-pack.ts';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/**
 * The environment an installed project runs in: this process's (the machine's CA certificates and
 * the like), less NODE_OPTIONS (the repository's .npmrc adds the `gatehouse-source` condition,
 * which must not leak into a user's project), the npm_* settings of the npm running this test, and
 * NODE_TEST_CONTEXT; with the repository's node_modules/.bin off the PATH, except the directory of
 * the Node running the tests (Node 24), so `npx` and `#!/usr/bin/env node` use it.
 */
const DROPPED = new Set(['NODE_OPTIONS', 'NODE_TEST_CONTEXT', 'NODE_TEST_WORKER_ID', 'NODE', 'INIT_CWD']);

export function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || /^npm_/i.test(name) || DROPPED.has(name)) continue;
    env[name] = value;
  }
  const path = (process.env.PATH ?? '').split(delimiter).filter((entry) => !entry.startsWith(repoRoot));
  env.PATH = [dirname(process.execPath), ...path].join(delimiter);
  env.HOME ??= tmpdir();
  return { ...env, ...extra };
}

/** Runs a command in `cwd` with the user environment; rejects with its output on failure. */
export async function sh(
  command: string,
  args: string[],
  cwd: string,
  extraEnv: Record<string, string> = {},
  timeoutMs = 240_000,
): Promise<string> {
  try {
    const { stdout } = await run(command, args, {
      cwd,
      env: userEnv(extraEnv),
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}\n${stdout}\n${stderr}`, { cause: error });
  }
}

export interface PublicPackage {
  name: string;
  dir: string;
  tarball: string;
}

/** `npm run build` at the root, then `npm pack` of every workspace package that is not private. */
export async function buildAndPack(destination: string): Promise<Map<string, PublicPackage>> {
  mkdirSync(destination, { recursive: true });
  await run('npm', ['run', 'build'], { cwd: repoRoot, timeout: 240_000, maxBuffer: 64 * 1024 * 1024 });
  const packed = new Map<string, PublicPackage>();
  for (const name of readdirSync(join(repoRoot, 'packages'))) {
    const dir = join(repoRoot, 'packages', name);
    const manifestPath = join(dir, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { name: string; private?: boolean };
    if (manifest.private) continue;
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', destination], {
      cwd: dir,
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const { filename } = packedInfo(stdout, manifest.name);
    packed.set(manifest.name, { name: manifest.name, dir, tarball: join(destination, filename) });
  }
  return packed;
}

/** A new folder with a package.json of a user's project. */
export function createProject(parent: string, name: string): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }, null, 2));
  return dir;
}

/** `npm install` of tarballs (and registry packages) into a project, as a user would. */
export async function install(project: string, specs: string[]): Promise<void> {
  await sh('npm', ['install', '--no-audit', '--no-fund', '--no-update-notifier', ...specs], project);
  for (const spec of specs.filter((spec) => spec.endsWith('.tgz'))) {
    const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const name = Object.keys(manifest.dependencies).find((dep) =>
      manifest.dependencies[dep]?.endsWith(spec.split('/').pop()!),
    );
    assert.ok(name, `${spec} is a dependency`);
    assert.ok(
      !lstatSync(join(project, 'node_modules', name)).isSymbolicLink(),
      `${name} is installed, not linked`,
    );
  }
}

/** Every package name in the project's full dependency tree. */
export async function dependencyNames(project: string): Promise<Set<string>> {
  const tree = JSON.parse(await sh('npm', ['ls', '--all', '--json'], project)) as Tree;
  const names = new Set<string>();
  const visit = (node: Tree) => {
    for (const [name, child] of Object.entries(node.dependencies ?? {})) {
      // An optional peer dependency that is not installed is listed as `{}`.
      if (child.missing || child.version === undefined) continue;
      names.add(name);
      visit(child);
    }
  };
  visit(tree);
  return names;
}
interface Tree {
  dependencies?: Record<string, Tree>;
  missing?: boolean;
  version?: string;
}

/**
 * A private package.json whose `allowScripts` approves the install scripts of `approved`: each
 * of those packages links or checks its binary in one, and npm 12 skips any script not approved
 * (then `node` has no binary and `bun` answers "Bun's postinstall script was not run").
 */
function writeProject(dir: string, name: string, approved: string[]): void {
  const allowScripts = Object.fromEntries(approved.map((pkg) => [pkg, true]));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, allowScripts }));
}

/**
 * The binary of the newest Node `major` release, from the registry's `node` package (as the pinned
 * Node 24 is), installed once into a folder under the system temp dir and reused by later runs.
 */
export async function nodeRelease(major: 22 | 26): Promise<string> {
  const dir = join(tmpdir(), `gatehouse-node${major}`);
  const binary = join(dir, 'node_modules', '.bin', 'node');
  if (!existsSync(binary)) {
    mkdirSync(dir, { recursive: true });
    writeProject(dir, `gatehouse-node${major}`, ['node']);
    await sh('npm', ['install', '--no-audit', '--no-fund', `node@${major}`], dir);
  }
  const version = (await sh(binary, ['--version'], dir)).trim();
  assert.match(version, new RegExp(`^v${major}\\.`));
  return binary;
}

/** The first fenced block of `lang` after `heading` in a markdown file. */
export function codeBlockAfter(markdown: string, heading: string, lang: string): string {
  const start = markdown.indexOf(heading);
  assert.ok(start >= 0, `heading ${heading} in the README`);
  const open = markdown.indexOf(`\`\`\`${lang}\n`, start);
  assert.ok(open >= 0, `a ${lang} block after ${heading}`);
  const from = open + lang.length + 4;
  return markdown.slice(from, markdown.indexOf('\n```', from) + 1);
}

export function tempRoot(): string {
  return mkdtempSync(join(tmpdir(), 'gatehouse-packages-'));
}

/** The edge runtimes, each from its registry package (they ship their binaries as optional dependencies). */
export const RUNTIME_PACKAGES = ['bun@1.4.5', 'deno@2.9.6', 'workerd@1.20261117.1'];

/**
 * Installs bun, deno and workerd once into a folder under the system temp dir (reused by later
 * runs) and returns the folder holding their binaries.
 */
export async function runtimes(): Promise<string> {
  const dir = join(tmpdir(), `gatehouse-runtimes-${RUNTIME_PACKAGES.join('-').replace(/[^\w.-]/g, '_')}`);
  const bin = join(dir, 'node_modules', '.bin');
  if (!['bun', 'deno', 'workerd'].every((name) => existsSync(join(bin, name)))) {
    mkdirSync(dir, { recursive: true });
    writeProject(dir, 'gatehouse-runtimes', ['bun', 'deno', 'workerd']);
    await sh('npm', ['install', '--no-audit', '--no-fund', ...RUNTIME_PACKAGES], dir);
  }
  return bin;
}

export { freePort } from '../support/free-port.ts';
