/**
 * @gatehouse/client as a consumer gets it: `npm pack`, installed from the tarball into a fresh
 * project (no workspace, no network), type-checked against its .d.ts, and bundled for the browser
 * with esbuild. Also measures the size stated in packages/client/README.md.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { type PackedInfo, packedInfo } from '../support/npm-pack.ts';
import { ensureClientBuilt } from './ensure-built.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLIENT = join(ROOT, 'packages/client');
/** Budget for the whole client, minified + gzip (README states the measured figure). */
const GZIP_BUDGET_BYTES = 6 * 1024;

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    },
  });
}

describe('@gatehouse/client from its tarball', { timeout: 120_000 }, () => {
  let project: string;
  let packed: PackedInfo;
  before(() => {
    project = mkdtempSync(join(tmpdir(), 'gatehouse-client-consumer-'));
    ensureClientBuilt();
    packed = packedInfo(npm(['pack', '--json', '--pack-destination', project], CLIENT), '@gatehouse/client');
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    npm(['install', '--offline', '--no-package-lock', join(project, packed.filename)], project);
  });
  after(() => rmSync(project, { recursive: true, force: true }));

  it('ships the built modules, their types and the README, and nothing else', () => {
    const paths = packed.files.map((file) => file.path).sort();
    assert.ok(paths.includes('dist/index.js') && paths.includes('dist/index.d.ts'), paths.join(', '));
    for (const path of paths)
      assert.match(path, /^(package\.json|README\.md|dist\/[\w-]+\.(js|d\.ts))$/, `unexpected file ${path}`);
    const manifest = JSON.parse(
      readFileSync(join(project, 'node_modules/@gatehouse/client/package.json'), 'utf8'),
    );
    assert.equal(manifest.sideEffects, false);
    assert.equal(manifest.dependencies, undefined, 'no runtime dependency');
  });

  it('type-checks a consumer against the shipped .d.ts', () => {
    writeFileSync(
      join(project, 'app.ts'),
      `import { createGatehouseClient, GatehouseError, type User } from '@gatehouse/client';
const client = createGatehouseClient({ apiOrigins: ['https://api.example.com'] });
client.on('signedout', (event) => console.log(event.reason satisfies 'signed_out' | 'session_ended'));
export async function load(): Promise<User | null> {
  try {
    await client.fetch('https://api.example.com/orders');
  } catch (error) {
    if (error instanceof GatehouseError) console.log(error.code);
  }
  return client.user();
}
// @ts-expect-error: the access token is not a property of the client
client.accessToken;
`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          module: 'esnext',
          moduleResolution: 'bundler',
          lib: ['es2022', 'dom'],
          strict: true,
          noEmit: true,
          types: [],
        },
        files: ['app.ts'],
      }),
    );
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], {
      encoding: 'utf8',
    });
  });

  it('bundles for the browser with esbuild, small, and tree-shakes what is not imported', async () => {
    writeFileSync(
      join(project, 'entry.js'),
      `import { createGatehouseClient } from '@gatehouse/client';
globalThis.gatehouse = createGatehouseClient({ apiOrigins: ['https://api.example.com'] });
`,
    );
    writeFileSync(
      join(project, 'storage-only.js'),
      `import { memoryRefreshTokenStorage } from '@gatehouse/client';
globalThis.storage = memoryRefreshTokenStorage();
`,
    );
    const bundle = async (entry: string) => {
      const result = await build({
        absWorkingDir: project,
        entryPoints: [entry],
        bundle: true,
        minify: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        write: false,
        logLevel: 'silent',
      });
      return result.outputFiles[0]!.contents;
    };
    const full = await bundle('entry.js');
    const text = new TextDecoder().decode(full);
    assert.match(text, /BroadcastChannel/);
    assert.doesNotMatch(text, /\brequire\(|node:/, 'nothing of Node');
    const gzip = gzipSync(full, { level: 9 }).length;
    console.log(`@gatehouse/client bundle: ${full.length} bytes minified, ${gzip} bytes minified + gzip`);
    assert.ok(gzip < GZIP_BUDGET_BYTES, `${gzip} bytes gzip, budget ${GZIP_BUDGET_BYTES}`);

    const storageOnly = new TextDecoder().decode(await bundle('storage-only.js'));
    assert.doesNotMatch(storageOnly, /BroadcastChannel|locks/, 'the client itself was shaken out');
    assert.ok(storageOnly.length < 300, `${storageOnly.length} bytes`);
  });
});
