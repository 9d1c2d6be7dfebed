/**
 * `npm run test:node26`: the test files named (package.json passes the globs `npm test` runs), run
 * again on Node 26, the newest LTS, installed from the registry's `node` package as test/packages
 * does. The server declares Node 24.7 or later, so it is held to the newest release too; CI runs
 * this after `npm test`. Child processes a test starts by name (`node`) get Node 26 as well.
 */
import { spawnSync } from 'node:child_process';
import { delimiter, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeRelease } from '../test/packages/support.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const node = await nodeRelease(26);
console.log(`test:node26: ${spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()} at ${node}`);
const result = spawnSync(node, ['--test', '--test-concurrency=2', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    PATH: [dirname(node), process.env.PATH ?? ''].join(delimiter),
    // What the repository's .npmrc gives the Node that npm starts: the packages' TypeScript sources.
    NODE_OPTIONS: '--conditions=gatehouse-source',
  },
});
process.exit(result.status ?? 1);
