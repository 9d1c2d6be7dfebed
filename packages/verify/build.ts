// npm run build: dist/node (the node:crypto fast path), dist/web (WebCrypto, fetch and web streams
// only: Deno, Bun, workerd, browsers) and dist/types. See scripts/lib/build-package.ts.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundle, clean, copy, emitDeclarations } from '../../scripts/lib/build-package.ts';

const packageDir = fileURLToPath(new URL('.', import.meta.url));
const entries = {
  index: './src/index.ts',
  express: './src/adapters/express.ts',
  fastify: './src/adapters/fastify.ts',
  hono: './src/adapters/hono.ts',
  testing: './src/testing/index.ts',
};
const external = ['jose', 'ioredis'];

clean(packageDir);
await bundle({
  packageDir,
  entries: { ...entries, redis: './src/redis.ts' },
  outdir: 'dist/node',
  platform: 'node',
  external,
});
// The Redis reader loads its Lua script beside the module that defines it.
copy(new URL('../server/src/feed/lua', import.meta.url).pathname, `${packageDir}dist/node/lua`);
const webPlatform = './src/lib/platform.web.ts';
await bundle({
  packageDir,
  entries,
  outdir: 'dist/web',
  platform: 'neutral',
  external,
  replace: existsSync(new URL(webPlatform, import.meta.url)) ? { './src/lib/platform.ts': webPlatform } : {},
});
emitDeclarations(packageDir, [...Object.values(entries), './src/redis.ts'], ['fastify']);
