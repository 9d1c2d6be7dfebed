// npm run build: dist/ (the server, CLI and feed bundled with the internal @gatehouse/core code, the
// files they read beside them, and the web UI) and dist/types. See scripts/lib/build-package.ts.
import { fileURLToPath } from 'node:url';
import { bundle, clean, copy, emitDeclarations } from '../../scripts/lib/build-package.ts';

const packageDir = fileURLToPath(new URL('.', import.meta.url));
const entries = { index: './src/index.ts', feed: './src/feed/index.ts', cli: './src/cli.ts' };
// The SQLite store's thread (store/sqlite/store-thread.ts loads it from beside its own bundle).
const threadEntries = { 'sqlite-store-thread': './src/store/sqlite/store-thread-worker.ts' };
const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

clean(packageDir);
await bundle({
  packageDir,
  entries: { ...entries, ...threadEntries },
  outdir: 'dist',
  platform: 'node',
  external: [
    '@fastify/cookie',
    '@node-rs/bcrypt',
    'fastify',
    'ioredis',
    'jose',
    'pg',
    'pino-pretty',
    'prom-client',
    'rate-limiter-flexible',
  ],
});
// Read at run time relative to the module that reads them, which is now a file in dist/.
copy(source('../core/src/password/common-passwords.txt'), `${packageDir}dist/common-passwords.txt`);
copy(source('./src/store/redis/lua'), `${packageDir}dist/lua`);
copy(source('./src/feed/lua'), `${packageDir}dist/lua`);
copy(source('../web/src'), `${packageDir}dist/web`, (path) => !/\.test\.[jt]s$/.test(path));
// The browser client for GATEHOUSE_UI_STRATEGY=hybrid (built first: the root build runs client before server).
copy(source('../client/dist'), `${packageDir}dist/client`);
emitDeclarations(packageDir, [entries.index, entries.feed]);
