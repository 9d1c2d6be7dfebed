/**
 * The README's first command on a fresh machine with the newest npm. npm 12 skips every
 * dependency's install script that package.json's `allowScripts` does not name, and the pinned
 * Node toolchain is one: the `node` package links its binary in a preinstall script. Without it,
 * `npm start` and `npm test` silently run on the machine's own node (an older one fails on the
 * first `.ts` file). So this installs the repository's manifests and lockfile, as they are, with
 * npm 12 from the registry, and asserts that the toolchain is Node 24 and that no script was
 * skipped (a new dependency with an install script must be reviewed in `allowScripts`).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { userEnv } from '../packages/support.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
/** The npm major that blocks unreviewed install scripts by default. */
const NPM = 'npm@12';

describe(`a fresh install with ${NPM}`, { timeout: 180_000 }, () => {
  let dir: string;
  let output: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-install-'));
    // What `npm ci` reads: the manifests and the lockfile (no source is built or run here).
    await cp(join(ROOT, 'package.json'), join(dir, 'package.json'));
    await cp(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
    for (const name of await readdir(join(ROOT, 'packages'))) {
      await cp(join(ROOT, 'packages', name, 'package.json'), join(dir, 'packages', name, 'package.json'));
    }
    const installed = await run('npx', ['--yes', NPM, 'ci', '--no-audit', '--no-fund'], {
      cwd: dir,
      env: userEnv(),
      maxBuffer: 16 * 1024 * 1024,
    });
    output = `${installed.stdout}\n${installed.stderr}`;
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('installs with npm 12 (the test would pass vacuously on an older npm)', async () => {
    const { stdout } = await run('npx', ['--yes', NPM, '--version'], { cwd: dir, env: userEnv() });
    assert.match(stdout.trim(), /^12\./);
  });

  it('runs no dependency install script unreviewed: none was skipped', () => {
    assert.doesNotMatch(
      output,
      /install scripts? (?:were |was )?blocked|not covered by allowScripts/i,
      output,
    );
  });

  it('gets the pinned Node 24 that npm start and npm test run on', async () => {
    const { stdout } = await run(join(dir, 'node_modules', '.bin', 'node'), ['--version']);
    assert.match(stdout.trim(), /^v24\./);
  });
});
